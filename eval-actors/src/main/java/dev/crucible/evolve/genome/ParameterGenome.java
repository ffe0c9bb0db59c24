package dev.crucible.evolve.genome;

import dev.crucible.merge.MergeMethods;
import dev.crucible.merge.MethodDefinition;
import dev.crucible.merge.ParameterDefinition;
import dev.crucible.recipe.FilterRule;
import dev.crucible.recipe.ModelEntry;
import dev.crucible.recipe.ParameterValue;
import dev.crucible.recipe.Recipe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameter space: for each source model a {@code weight} (and for sparsifying methods a
 * {@code density}), or for slerp one {@code t}, per layer group and per tensor filter. Layer groups
 * become mergekit gradients (anchors spread evenly over the layers, linear in between); filters become
 * filter rules, tensors matching no filter taking the default genes. Decoding: weight = x clipped to
 * the weight box, density = clamp(|x|, 0, 1), t = clamp(x, 0, 1). Every gene starts at 0.5, as in the paper.
 */
public final class ParameterGenome implements Genome {

    private static final double START = 0.5;

    private final String method;
    private final String baseModel;
    private final String taskVectorBase;
    private final List<String> models;
    private final List<String> labels;
    /** The method's searched parameters (its declaration's), by name. */
    private final List<String> params;
    /** Whether they are global (slerp's t: one owner) rather than per model. */
    private final boolean global;
    private final List<String> filters;
    private final int groups;
    private final double weightMin;
    private final double weightMax;
    private final Boolean normalize;
    private final Path baseDir;

    /**
     * @param method     linear, task_arithmetic, ties, dare_ties or slerp
     * @param baseModel  the base model as the recipe names it, or null (linear)
     * @param taskVectorBase the model task vectors are taken against when not the base model, or null
     * @param models     the source models as the recipe names them
     * @param labels     short names of the models for {@link #describe(double[])}
     * @param groups     anchors per gradient
     * @param filters    tensor-name filters with their own genes
     * @param weightMin  weight box, low edge
     * @param weightMax  weight box, high edge
     * @param normalize  the recipe's normalize flag, or null for the method default
     * @param baseDir    the folder the recipe's model strings are relative to
     */
    public ParameterGenome(String method, String baseModel, String taskVectorBase, List<String> models, List<String> labels, int groups,
                           List<String> filters, double weightMin, double weightMax, Boolean normalize, Path baseDir) {
        if (models.size() != labels.size()) {
            throw new IllegalArgumentException("one label per model");
        }
        this.method = method;
        this.baseModel = method.equals("linear") ? null : baseModel;
        this.taskVectorBase = this.baseModel == null ? null : taskVectorBase;
        this.models = List.copyOf(models);
        this.labels = List.copyOf(labels);
        MethodDefinition definition = MergeMethods.definition(method).orElseThrow();
        this.params = definition.searched().stream().map(ParameterDefinition::name).toList();
        this.global = definition.searched().stream().allMatch(p -> p.scope() == ParameterDefinition.Scope.GLOBAL);
        this.filters = List.copyOf(filters);
        this.groups = groups;
        this.weightMin = weightMin;
        this.weightMax = weightMax;
        this.normalize = normalize != null && definition.globalParameters().contains("normalize") ? normalize : null;
        this.baseDir = baseDir;
    }

    private boolean global() {
        return global;
    }

    private int owners() {
        return global() ? 1 : models.size();
    }

    /** Genes of one (owner, parameter): one gradient per filter slot (filters, then the default). */
    private int block() {
        return (filters.size() + 1) * groups;
    }

    @Override
    public int dimension() {
        return owners() * params.size() * block();
    }

    @Override
    public double[] initial() {
        double[] x = new double[dimension()];
        Arrays.fill(x, START);
        return x;
    }

    @Override
    public double[] lower() {
        return edge(true);
    }

    @Override
    public double[] upper() {
        return edge(false);
    }

    private double[] edge(boolean low) {
        double[] out = new double[dimension()];
        int i = 0;
        for (int o = 0; o < owners(); o++) {
            for (String p : params) {
                for (int k = 0; k < block(); k++) {
                    out[i++] = p.equals("weight") ? (low ? weightMin : weightMax) : (low ? 0.0 : 1.0);
                }
            }
        }
        return out;
    }

    private double value(String param, double x) {
        return GeneValues.round(switch (param) {
            case "weight" -> GeneValues.clip(x, weightMin, weightMax);
            case "density" -> GeneValues.clip(Math.abs(x), 0, 1);
            default -> GeneValues.clip(x, 0, 1);
        });
    }

    /** The decoded values of one (owner, parameter), as [filter slot][group]. */
    private double[][] values(double[] x, int owner, int paramIndex) {
        double[][] out = new double[filters.size() + 1][groups];
        int at = (owner * params.size() + paramIndex) * block();
        for (int f = 0; f <= filters.size(); f++) {
            for (int g = 0; g < groups; g++) {
                out[f][g] = value(params.get(paramIndex), x[at++]);
            }
        }
        return out;
    }

    private ParameterValue parameter(double[][] v) {
        if (filters.isEmpty()) {
            return curve(v[0]);
        }
        List<FilterRule> rules = new ArrayList<>();
        for (int f = 0; f < filters.size(); f++) {
            rules.add(new FilterRule(filters.get(f), curve(v[f])));
        }
        rules.add(new FilterRule(null, curve(v[filters.size()])));
        return new ParameterValue.FilterRules(rules);
    }

    private static ParameterValue curve(double[] anchors) {
        if (anchors.length == 1) {
            return ParameterValue.Scalar.of(anchors[0]);
        }
        List<Double> points = new ArrayList<>();
        for (double a : anchors) {
            points.add(a);
        }
        return new ParameterValue.Gradient(points);
    }

    @Override
    public Recipe decode(double[] x) {
        GeneValues.requireDimension(x, dimension());
        Map<String, ParameterValue> top = new LinkedHashMap<>();
        List<ModelEntry> entries = new ArrayList<>();
        if (global()) {
            top.put(params.getFirst(), parameter(values(x, 0, 0)));

            entries.add(new ModelEntry(models.getFirst(), Map.of()));
        } else {
            for (int m = 0; m < models.size(); m++) {
                Map<String, ParameterValue> p = new LinkedHashMap<>();
                for (int k = 0; k < params.size(); k++) {
                    p.put(params.get(k), parameter(values(x, m, k)));
                }
                entries.add(new ModelEntry(models.get(m), p));
            }
        }
        if (normalize != null) {
            top.put("normalize", new ParameterValue.Scalar(normalize));
        }
        return new Recipe(method, baseModel, entries, List.of(), top, null, null, null, null, taskVectorBase, baseDir);
    }

    @Override
    public Map<String, Object> describe(double[] x) {
        GeneValues.requireDimension(x, dimension());
        Map<String, Object> out = new LinkedHashMap<>();
        for (int o = 0; o < owners(); o++) {
            for (int k = 0; k < params.size(); k++) {
                double[][] v = values(x, o, k);
                for (int f = 0; f <= filters.size(); f++) {
                    String key = (global() ? "" : labels.get(o) + ".") + params.get(k)
                            + (f < filters.size() ? "[" + filters.get(f) + "]" : filters.isEmpty() ? "" : "[*]");
                    out.put(key, groups == 1 ? (Object) v[f][0] : toList(v[f]));
                }
            }
        }
        return out;
    }

    private static List<Double> toList(double[] v) {
        List<Double> out = new ArrayList<>();
        for (double d : v) {
            out.add(d);
        }
        return out;
    }
}
