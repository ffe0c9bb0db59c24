package dev.crucible.evolve.genome;

import dev.crucible.recipe.FilterRule;
import dev.crucible.recipe.ParameterValue;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.Slice;
import dev.crucible.recipe.SliceSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The data-flow space: the layers of the source models laid out in sequence (all layers of the first,
 * then of the second, ...) and repeated {@code repeats} times; each slot has an indicator gene (the
 * layer is on the path when it is above 0) and a scale gene. As in the paper the first model supplies
 * the ends: its first layer opens the path and its last layer closes it, so embeddings and head are
 * its own. A slot's scale multiplies the layer's residual contribution, which is folded exactly into
 * its output projections ({@code o_proj}, {@code down_proj}); the result is a standard passthrough
 * recipe with one slice per layer. The start point is the first model itself.
 */
public final class DataFlowGenome implements Genome {

    /** Output projections whose scaling scales the layer's whole residual update. */
    public static final List<String> OUTPUT_PROJECTIONS = List.of("o_proj", "down_proj");

    private static final double ON = 0.5;
    private static final double OFF = -0.5;

    private final List<String> models;
    private final List<String> labels;
    private final int layers;
    private final int repeats;
    private final double scaleMax;
    private final Path baseDir;

    /**
     * @param models   the source models as the recipe names them; the first supplies the ends
     * @param labels   their short names, for {@link #describe(double[])}
     * @param layers   decoder layers of every source model
     * @param repeats  how often the layer sequence is repeated
     * @param scaleMax upper edge of the scale box (the lower edge is 0)
     * @param baseDir  the folder the model strings are relative to
     */
    public DataFlowGenome(List<String> models, List<String> labels, int layers, int repeats, double scaleMax,
                          Path baseDir) {
        if (models.size() < 2 || models.size() != labels.size()) {
            throw new IllegalArgumentException("the data-flow space needs two or more labelled models");
        }
        if (layers < 2) {
            throw new IllegalArgumentException("the first model's first and last layers fix the ends; need 2 layers");
        }
        this.models = List.copyOf(models);
        this.labels = List.copyOf(labels);
        this.layers = layers;
        this.repeats = repeats;
        this.scaleMax = scaleMax;
        this.baseDir = baseDir;
    }

    /** Number of slots on the searched path. */
    public int slots() {
        return models.size() * layers * repeats;
    }

    private int modelOf(int slot) {
        return (slot / layers) % models.size();
    }

    private int layerOf(int slot) {
        return slot % layers;
    }

    @Override
    public int dimension() {
        return 2 * slots();
    }

    @Override
    public double[] initial() {
        double[] x = new double[dimension()];
        for (int s = 0; s < slots(); s++) {
            boolean inner = s < layers && layerOf(s) > 0 && layerOf(s) < layers - 1;
            x[s] = inner ? ON : OFF;
            x[slots() + s] = 1.0;
        }
        return x;
    }

    @Override
    public double[] lower() {
        double[] out = new double[dimension()];
        Arrays.fill(out, 0, slots(), -1.0);
        return out;
    }

    @Override
    public double[] upper() {
        double[] out = new double[dimension()];
        Arrays.fill(out, 0, slots(), 1.0);
        Arrays.fill(out, slots(), dimension(), scaleMax);
        return out;
    }

    /** One layer on the path. */
    private record Step(int model, int layer, double scale) {
    }

    private List<Step> path(double[] x) {
        GeneValues.requireDimension(x, dimension());
        List<Step> path = new ArrayList<>();
        path.add(new Step(0, 0, 1.0));
        for (int s = 0; s < slots(); s++) {
            if (x[s] > 0) {
                path.add(new Step(modelOf(s), layerOf(s), GeneValues.round(GeneValues.clip(x[slots() + s], 0,
                        scaleMax))));
            }
        }
        path.add(new Step(0, layers - 1, 1.0));
        return path;
    }

    @Override
    public Recipe decode(double[] x) {
        List<Slice> slices = new ArrayList<>();
        for (Step step : path(x)) {
            Map<String, ParameterValue> params = new LinkedHashMap<>();
            if (step.scale() != 1.0) {
                List<FilterRule> rules = new ArrayList<>();
                for (String projection : OUTPUT_PROJECTIONS) {
                    rules.add(new FilterRule(projection, ParameterValue.Scalar.of(step.scale())));
                }
                params.put("scale", new ParameterValue.FilterRules(rules));
            }
            slices.add(new Slice(List.of(new SliceSource(models.get(step.model()),
                    new int[] {step.layer(), step.layer() + 1}, params)), Map.of()));
        }
        return new Recipe("passthrough", null, List.of(), slices, Map.of(), null, null, null, null, null, baseDir);
    }

    @Override
    public Map<String, Object> describe(double[] x) {
        List<String> steps = new ArrayList<>();
        for (Step step : path(x)) {
            steps.add(labels.get(step.model()) + ":" + step.layer() + (step.scale() == 1.0 ? "" : "x" + step.scale()));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("layers", steps.size());
        out.put("path", steps);
        return out;
    }
}
