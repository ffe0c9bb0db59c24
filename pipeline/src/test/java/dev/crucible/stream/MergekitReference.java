package dev.crucible.stream;

import dev.crucible.merge.MergeRandom;
import dev.crucible.safetensors.Checkpoint;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * An independent, plain double-precision transcription of what mergekit (main, v0.1.4+) computes for a
 * recipe: its planner ({@code mergekit/plan.py}, {@code MergePlanner}; parameters per {@code mergekit/config.py},
 * {@code ConfigReader.parameter} and {@code evaluate_setting}) and each method's math (the files named at each
 * method below). No Crucible merge code is used: the recipe is read with SnakeYAML as PyYAML reads it, tensors
 * are read as floats and widened to double, and every sum runs in double.
 *
 * <p>Where mergekit leaves a choice open, the reference takes Crucible's documented one: elements tied in
 * magnitude are ranked by position (torch's sorts leave ties unspecified), and DARE/DELLA draw their keep
 * decisions from Crucible's documented counter-based stream ({@link MergeRandom}; mergekit draws from torch's
 * global RNG, which no other program can reproduce).
 *
 * <p>Elements that sit on a decision boundary (a sign vote, a top-k cut or a threshold decided by rounding noise
 * between float32 and double) are reported in {@link Result#fragile()} so that the comparison can tell them apart.
 */
final class MergekitReference {

    private static final Pattern LAYER = Pattern.compile("\\.(\\d+)\\.");

    /** The expected output: tensors by output name, and per tensor the elements on a decision boundary. */
    record Result(Map<String, double[]> tensors, Map<String, boolean[]> fragile, Map<String, long[]> shapes,
                  Map<String, double[]> scales) {
    }

    private record Source(String model, int start, int end, Map<String, Object> parameters) {
    }

    private record OutSlice(List<Source> sources, Map<String, Object> parameters) {
    }

    private record Tensor(long[] shape, double[] v) {
    }

    private final Map<String, Object> config;
    private final Path root;
    private final long seed;
    private final String method;
    private final String baseModel;
    private final Map<String, Checkpoint> open = new HashMap<>();
    private final Map<String, double[]> tensors = new LinkedHashMap<>();
    private final Map<String, boolean[]> fragile = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final Map<String, double[]> scales = new LinkedHashMap<>();

    private MergekitReference(String yaml, Path root, long seed) {
        this.config = new Yaml().load(yaml);
        this.root = root;
        this.seed = seed;
        this.method = (String) config.get("merge_method");
        this.baseModel = (String) config.get("base_model");
    }

    /** What mergekit writes for {@code yaml} (models relative to {@code root}), before the dtype cast. */
    static Result merge(String yaml, Path root, long seed) {
        MergekitReference ref = new MergekitReference(yaml, root, seed);
        try {
            ref.plan();
        } finally {
            ref.open.values().forEach(Checkpoint::close);
        }
        return new Result(ref.tensors, ref.fragile, ref.shapes, ref.scales);
    }

    private Checkpoint model(String name) {
        return open.computeIfAbsent(name, n -> Checkpoint.open(root.resolve(n)));
    }

    private int layers(String model) {
        int n = 0;
        for (String name : model(model).tensorNames()) {
            Matcher m = Pattern.compile("^(?:language_)?model\\.(?:model\\.)?layers\\.(\\d+)\\.").matcher(name);
            if (m.find()) {
                n = Math.max(n, Integer.parseInt(m.group(1)) + 1);
            }
        }
        return n;
    }

    // ---- plan.py ----

    @SuppressWarnings("unchecked")
    private void plan() {
        List<OutSlice> slices = new ArrayList<>();
        if (config.get("models") != null) {
            // normalize_config: models -> one slice over every layer, the base appended when not listed
            List<Source> sources = new ArrayList<>();
            boolean baseIncluded = false;
            for (Map<String, Object> m : (List<Map<String, Object>>) config.get("models")) {
                String model = (String) m.get("model");
                baseIncluded |= model.equals(baseModel);
                sources.add(new Source(model, 0, layers(model), params(m.get("parameters"))));
            }
            if (baseModel != null && !baseIncluded) {
                sources.add(new Source(baseModel, 0, layers(baseModel), Map.of()));
            }
            slices.add(new OutSlice(sources, Map.of()));
        } else {
            for (Map<String, Object> s : (List<Map<String, Object>>) config.get("slices")) {
                List<Source> sources = new ArrayList<>();
                for (Map<String, Object> src : (List<Map<String, Object>>) s.get("sources")) {
                    List<Integer> range = (List<Integer>) src.get("layer_range");
                    sources.add(new Source((String) src.get("model"), range.get(0), range.get(1),
                            params(src.get("parameters"))));
                }
                slices.add(new OutSlice(sources, params(s.get("parameters"))));
            }
        }
        String layout = baseModel != null ? baseModel : slices.getFirst().sources().getFirst().model();
        List<String> names = new ArrayList<>(model(layout).tensorNames());
        boolean vlm = names.stream().anyMatch(n -> n.startsWith("vision_tower."));
        // Layer templates by module prefix (the text before the first ".N."), as the inferred architecture
        // (architecture/auto.py) and the JSON ones (llama.json: model.layers.${layer_index}.*) both give.
        Map<String, List<String>> templates = new LinkedHashMap<>();
        Map<String, Integer> moduleLayers = new LinkedHashMap<>();
        List<String> pre = new ArrayList<>();
        List<String> post = new ArrayList<>();
        for (String name : names) {
            Matcher m = LAYER.matcher(name);
            if (m.find()) {
                String prefix = name.substring(0, m.start());
                moduleLayers.merge(prefix, Integer.parseInt(m.group(1)) + 1, Math::max);
                if (m.group(1).equals("0")) {
                    templates.computeIfAbsent(prefix, p -> new ArrayList<>()).add(name.substring(m.end()));
                }
            } else if (vlm || name.contains("embed_tokens")) {
                pre.add(name); // llama.json pre_weights; an inferred architecture puts every loose weight here
            } else {
                post.add(name); // llama.json post_weights: model.norm.weight, lm_head.weight
            }
        }
        // plan_module: pre weights with the first slice's sources, ConfigReader(t=0)
        for (String name : pre) {
            planTensor(name, slices.getFirst(), slices.getFirst().sources().stream().map(s -> name).toList(), 0.0);
        }
        for (Map.Entry<String, List<String>> module : templates.entrySet()) {
            String prefix = module.getKey();
            boolean languageModel = !prefix.startsWith("vision_tower");
            if (!languageModel && slices.size() > 1) {
                throw new IllegalStateException("mergekit needs modules: for slices over a multi-module model");
            }
            int outLayer = 0;
            for (OutSlice slice : languageModel ? slices : List.of(new OutSlice(
                    slices.getFirst().sources().stream().map(s -> new Source(s.model(), 0, moduleLayers.get(prefix),
                            s.parameters())).toList(), slices.getFirst().parameters()))) {
                int n = slice.sources().getFirst().end() - slice.sources().getFirst().start();
                for (int idx = 0; idx < n; idx++) {
                    double t = n > 1 ? (double) idx / (n - 1) : 1.0; // plan_slice
                    for (String suffix : module.getValue()) {
                        String out = prefix + "." + outLayer + "." + suffix;
                        int i = idx;
                        planTensor(out, slice, slice.sources().stream()
                                .map(s -> prefix + "." + (s.start() + i) + "." + suffix).toList(), t);
                    }
                    outLayer++;
                }
            }
        }
        // post weights: the last slice's sources, still ConfigReader(t=0)
        for (String name : post) {
            planTensor(name, slices.getLast(), slices.getLast().sources().stream().map(s -> name).toList(), 0.0);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> params(Object node) {
        return node == null ? Map.of() : (Map<String, Object>) node;
    }

    /** plan_tensor: global parameters for the output name, per-model ones for each input weight's name. */
    private void planTensor(String out, OutSlice slice, List<String> inputNames, double t) {
        List<String> models = new ArrayList<>();
        List<Tensor> values = new ArrayList<>();
        List<Map<String, Object>> perModel = new ArrayList<>();
        for (int i = 0; i < slice.sources().size(); i++) {
            Source s = slice.sources().get(i);
            String name = inputNames.get(i);
            Checkpoint c = model(s.model());
            float[] f = c.readFloats(name);
            double[] d = new double[f.length];
            for (int j = 0; j < f.length; j++) {
                d[j] = f[j];
            }
            models.add(s.model());
            values.add(new Tensor(c.info(name).shape(), d));
            Map<String, Object> p = new HashMap<>();
            for (String key : tensorParameters()) {
                Object v = parameter(key, s.model(), name, t, slice);
                if (v != null) {
                    p.put(key, v);
                }
            }
            perModel.add(p);
        }
        Map<String, Object> global = new HashMap<>();
        for (String key : globalParameters()) {
            Object v = parameter(key, null, out, t, slice);
            if (v != null) {
                global.put(key, v);
            }
        }
        boolean[] boundary = new boolean[values.getFirst().v().length];
        double[] result = apply(out, models, values, perModel, global, boundary);
        tensors.put(out, result);
        fragile.put(out, boundary);
        double[] scale = new double[result.length];
        for (int j = 0; j < scale.length; j++) {
            scale[j] = Math.abs(result[j]);
            for (Tensor v : values) {
                scale[j] = Math.max(scale[j], Math.abs(v.v()[j]));
            }
        }
        scales.put(out, scale);
        shapes.put(out, values.get(Math.max(0, models.indexOf(baseModel))).shape());
    }

    /** ConfigReader.parameter: the source's, then the slice's, then the top-level setting. */
    private Object parameter(String name, String model, String tensor, double t, OutSlice slice) {
        if (model != null) {
            for (Source s : slice.sources()) {
                if (s.model().equals(model) && s.parameters().containsKey(name)) {
                    Object v = evaluate(tensor, s.parameters().get(name), t);
                    if (v != null) {
                        return v;
                    }
                }
            }
        }
        if (slice.parameters().containsKey(name)) {
            Object v = evaluate(tensor, slice.parameters().get(name), t);
            if (v != null) {
                return v;
            }
        }
        Map<String, Object> top = params(config.get("parameters"));
        return top.containsKey(name) ? evaluate(tensor, top.get(name), t) : null;
    }

    /** config.py, evaluate_setting. */
    @SuppressWarnings("unchecked")
    private static Object evaluate(String tensor, Object setting, double t) {
        if (setting instanceof Number || setting instanceof Boolean || setting instanceof String) {
            return setting;
        }
        List<Object> list = (List<Object>) setting;
        if (list.stream().allMatch(e -> e instanceof Number)) {
            double scaled = t * (list.size() - 1);
            int i0 = (int) scaled;
            int i1 = Math.min(list.size() - 1, i0 + 1);
            double frac = scaled - i0;
            return (1 - frac) * ((Number) list.get(i0)).doubleValue() + frac * ((Number) list.get(i1)).doubleValue();
        }
        for (Object e : list) {
            Map<String, Object> cond = (Map<String, Object>) e;
            Object filter = cond.get("filter");
            if (filter == null || filter.equals("*") || tensor.contains((String) filter)) {
                return evaluate(tensor, cond.get("value"), t);
            }
        }
        return null;
    }

    // ---- the methods' declared parameters (merge_methods/*.py: parameters(), tensor_parameters()) ----

    private List<String> tensorParameters() {
        return switch (method) {
            case "linear", "nuslerp", "multislerp" -> List.of("weight");
            case "passthrough" -> List.of("scale");
            case "task_arithmetic", "ties", "dare_ties", "dare_linear" -> List.of("weight", "density");
            case "breadcrumbs", "breadcrumbs_ties" -> List.of("weight", "density", "gamma");
            case "della", "della_linear" -> List.of("weight", "density", "epsilon");
            default -> List.of();
        };
    }

    private List<String> globalParameters() {
        return switch (method) {
            case "linear" -> List.of("normalize");
            case "slerp", "nearswap" -> List.of("t");
            case "nuslerp" -> List.of("nuslerp_row_wise", "nuslerp_flatten");
            case "multislerp" -> List.of("normalize_weights", "eps");
            case "karcher" -> List.of("max_iter", "tol");
            case "model_stock" -> List.of("filter_wise");
            case "sce" -> List.of("int8_mask", "select_topk");
            case "passthrough", "arcee_fusion" -> List.of();
            default -> List.of("int8_mask", "normalize", "rescale", "lambda");
        };
    }

    private static double num(Map<String, Object> p, String key, double dflt) {
        Object v = p.get(key);
        return v == null ? dflt : ((Number) v).doubleValue();
    }

    private static boolean flag(Map<String, Object> p, String key, boolean dflt) {
        Object v = p.get(key);
        return v == null ? dflt : (Boolean) v;
    }

    private double[] apply(String out, List<String> models, List<Tensor> in, List<Map<String, Object>> perModel,
                           Map<String, Object> global, boolean[] boundary) {
        int baseIndex = baseModel == null ? -1 : models.indexOf(baseModel);
        List<Integer> others = IntStream.range(0, models.size()).filter(i -> i != baseIndex).boxed().toList();
        return switch (method) {
            case "linear" -> linear(in, perModel, flag(global, "normalize", true));
            case "passthrough" -> scale(in.getFirst().v(), num(perModel.getFirst(), "scale", 1.0));
            case "slerp" -> slerp(num(global, "t", Double.NaN), in.get(baseIndex).v(), in.get(others.getFirst()).v());
            case "nearswap" -> nearswap(num(global, "t", Double.NaN), in.get(baseIndex).v(), in.get(others.getFirst()).v());
            case "nuslerp" -> nuslerp(in, perModel, baseIndex, others, global);
            case "multislerp" -> multislerp(in, perModel, baseIndex, others, global);
            case "karcher" -> karcher(in, (int) num(global, "max_iter", 10), num(global, "tol", 1e-5));
            case "model_stock" -> modelStock(in, baseIndex, others, flag(global, "filter_wise", false));
            case "sce" -> sce(in, baseIndex, others, num(global, "select_topk", 1.0), boundary);
            case "arcee_fusion" -> arceeFusion(in.get(baseIndex), in.get(others.getFirst()).v(), boundary);
            default -> generalizedTaskArithmetic(out, in, perModel, baseIndex, others, global, boundary);
        };
    }

    // merge_methods/linear.py, LinearMergeTask.execute
    private static double[] linear(List<Tensor> in, List<Map<String, Object>> perModel, boolean normalize) {
        double[] res = new double[in.getFirst().v().length];
        double wsum = 0;
        for (int i = 0; i < in.size(); i++) {
            double w = num(perModel.get(i), "weight", Double.NaN);
            wsum += w;
            for (int j = 0; j < res.length; j++) {
                res[j] += w * in.get(i).v()[j];
            }
        }
        if (normalize) {
            for (int j = 0; j < res.length; j++) {
                res[j] /= wsum;
            }
        }
        return res;
    }

    // merge_methods/passthrough.py, PassthroughMergeTask.execute
    private static double[] scale(double[] v, double s) {
        return Arrays.stream(v).map(x -> x * s).toArray();
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    // merge_methods/slerp.py, slerp (DOT_THRESHOLD 0.9995, eps 1e-8)
    private static double[] slerp(double t, double[] v0, double[] v1) {
        double n0 = norm(v0);
        double n1 = norm(v1);
        double a = n0 > 1e-8 ? n0 : 1;
        double b = n1 > 1e-8 ? n1 : 1;
        double dot = 0;
        for (int j = 0; j < v0.length; j++) {
            dot += (v0[j] / a) * (v1[j] / b);
        }
        double[] res = new double[v0.length];
        if (Math.abs(dot) > 0.9995) {
            for (int j = 0; j < res.length; j++) {
                res[j] = (1 - t) * v0[j] + t * v1[j];
            }
            return res;
        }
        double theta0 = Math.acos(dot);
        double sin0 = Math.sin(theta0);
        double thetaT = theta0 * t;
        double s0 = Math.sin(theta0 - thetaT) / sin0;
        double s1 = Math.sin(thetaT) / sin0;
        for (int j = 0; j < res.length; j++) {
            res[j] = s0 * v0[j] + s1 * v1[j];
        }
        return res;
    }

    // merge_methods/nearswap.py, nearswap_merge
    private static double[] nearswap(double t, double[] a, double[] b) {
        double[] res = new double[a.length];
        for (int j = 0; j < a.length; j++) {
            double w = Math.min(1, Math.max(0, t / Math.max(Math.abs(a[j] - b[j]), 1e-6)));
            res[j] = w * b[j] + (1 - w) * a[j];
        }
        return res;
    }

    // merge_methods/nuslerp.py, NuSlerpTask.execute and nuslerp
    private static double[] nuslerp(List<Tensor> in, List<Map<String, Object>> perModel, int baseIndex,
                                    List<Integer> others, Map<String, Object> global) {
        double w0 = num(perModel.get(others.get(0)), "weight", Double.NaN);
        double w1 = num(perModel.get(others.get(1)), "weight", Double.NaN);
        double t = Math.abs(w0 + w1) < 1e-6 ? 0.5 : w1 / (w0 + w1);
        double[] v0 = in.get(others.get(0)).v().clone();
        double[] v1 = in.get(others.get(1)).v().clone();
        double[] base = baseIndex >= 0 ? in.get(baseIndex).v() : null;
        if (base != null) {
            for (int j = 0; j < v0.length; j++) {
                v0[j] -= base[j];
                v1[j] -= base[j];
            }
        }
        long[] shape = in.get(others.get(0)).shape();
        boolean flatten = flag(global, "nuslerp_flatten", true);
        boolean rowWise = flag(global, "nuslerp_row_wise", false);
        int n = v0.length;
        // the vectors interpolated: the whole tensor, or lines along the last dim (default) or dim 0 (row_wise)
        int len;
        int count;
        int stride;
        int step;
        if (flatten || shape.length < 2) {
            len = n;
            count = 1;
            stride = 1;
            step = n;
        } else if (rowWise) {
            len = (int) shape[0];
            count = n / len;
            stride = count;
            step = 1;
        } else {
            len = (int) shape[shape.length - 1];
            count = n / len;
            stride = 1;
            step = len;
        }
        double[] res = new double[n];
        for (int c = 0; c < count; c++) {
            int start = c * step;
            double na = 0;
            double nb = 0;
            for (int k = 0; k < len; k++) {
                int j = start + k * stride;
                na += v0[j] * v0[j];
                nb += v1[j] * v1[j];
            }
            na = Math.max(Math.sqrt(na), 1e-7);
            nb = Math.max(Math.sqrt(nb), 1e-7);
            double cos = 0;
            for (int k = 0; k < len; k++) {
                int j = start + k * stride;
                cos += (v0[j] / na) * (v1[j] / nb);
            }
            double theta = Math.acos(Math.max(-1, Math.min(1, cos)));
            double sin = Math.sin(theta);
            for (int k = 0; k < len; k++) {
                int j = start + k * stride;
                res[j] = Math.abs(sin) < 1e-8 ? (1 - t) * v0[j] + t * v1[j]
                        : (Math.sin((1 - t) * theta) * v0[j] + Math.sin(t * theta) * v1[j]) / sin;
            }
        }
        if (base != null) {
            for (int j = 0; j < n; j++) {
                res[j] += base[j];
            }
        }
        return res;
    }

    // merge_methods/multislerp.py, multislerp
    private static double[] multislerp(List<Tensor> in, List<Map<String, Object>> perModel, int baseIndex,
                                       List<Integer> others, Map<String, Object> global) {
        double eps = num(global, "eps", 1e-8);
        int m = others.size();
        int n = in.getFirst().v().length;
        double[][] x = new double[m][];
        double[] w = new double[m];
        double wsum = 0;
        for (int i = 0; i < m; i++) {
            x[i] = in.get(others.get(i)).v().clone();
            if (baseIndex >= 0) {
                for (int j = 0; j < n; j++) {
                    x[i][j] -= in.get(baseIndex).v()[j];
                }
            }
            w[i] = num(perModel.get(others.get(i)), "weight", Double.NaN);
            wsum += w[i];
        }
        if (flag(global, "normalize_weights", true)) {
            for (int i = 0; i < m; i++) {
                w[i] /= wsum;
            }
        }
        double[] norms = new double[m];
        double[][] unit = new double[m][n];
        double[] mean = new double[n];
        for (int i = 0; i < m; i++) {
            norms[i] = norm(x[i]);
            for (int j = 0; j < n; j++) {
                unit[i][j] = x[i][j] / (norms[i] + eps);
                mean[j] += unit[i][j] * w[i];
            }
        }
        double meanNorm = norm(mean);
        double[] result = new double[n];
        if (meanNorm < eps) {
            for (int j = 0; j < n; j++) {
                result[j] = x[0][j] * w[0] + x[1][j] * w[1] + (baseIndex >= 0 ? in.get(baseIndex).v()[j] : 0);
            }
            return result;
        }
        for (int j = 0; j < n; j++) {
            mean[j] /= meanNorm;
        }
        double[] tangent = new double[n];
        for (int i = 0; i < m; i++) {
            double dot = 0;
            for (int j = 0; j < n; j++) {
                dot += unit[i][j] * mean[j];
            }
            for (int j = 0; j < n; j++) {
                tangent[j] += (unit[i][j] - dot * mean[j]) * w[i];
            }
        }
        double tn = norm(tangent) + eps;
        double avgNorm = 0;
        for (int i = 0; i < m; i++) {
            avgNorm += norms[i] * w[i];
        }
        for (int j = 0; j < n; j++) {
            result[j] = (mean[j] * Math.cos(tn) + tangent[j] * (Math.sin(tn) / tn)) * avgNorm
                    + (baseIndex >= 0 ? in.get(baseIndex).v()[j] : 0);
        }
        return result;
    }

    // merge_methods/karcher.py, KarcherTask.execute (every input, base included, weight 1/n) and karcher_merge_tensors
    private static double[] karcher(List<Tensor> in, int maxIter, double tol) {
        int m = in.size();
        int n = in.getFirst().v().length;
        double alpha = 1.0 / m;
        double[] norms = new double[m];
        List<double[]> units = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            norms[i] = norm(in.get(i).v());
            double nn = norms[i];
            units.add(Arrays.stream(in.get(i).v()).map(v -> nn == 0 ? 0 : v / nn).toArray());
        }
        List<double[]> valid = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            if (norms[i] > tol) {
                valid.add(units.get(i));
            }
        }
        double a = 1.0 / valid.size(); // equal alphas, normalised over the valid ones
        double[] u = new double[n];
        for (double[] ui : valid) {
            for (int j = 0; j < n; j++) {
                u[j] += a * ui[j];
            }
        }
        double nu = norm(u);
        if (nu < tol) {
            u = valid.getFirst().clone();
        } else {
            for (int j = 0; j < n; j++) {
                u[j] /= nu;
            }
        }
        for (int iter = 0; iter < maxIter; iter++) {
            double[] tv = new double[n];
            for (double[] ui : valid) {
                double dot = 0;
                for (int j = 0; j < n; j++) {
                    dot += u[j] * ui[j];
                }
                dot = Math.max(-1, Math.min(1, dot));
                double theta = Math.acos(dot);
                if (theta < tol) {
                    continue;
                }
                double f = a * theta / Math.sin(theta);
                for (int j = 0; j < n; j++) {
                    tv[j] += f * (ui[j] - dot * u[j]);
                }
            }
            double nt = norm(tv);
            if (nt < tol) {
                break;
            }
            for (int j = 0; j < n; j++) {
                u[j] = Math.cos(nt) * u[j] + Math.sin(nt) * (tv[j] / nt);
            }
            double un = norm(u);
            if (un > tol) {
                for (int j = 0; j < n; j++) {
                    u[j] /= un;
                }
            }
        }
        double s = 0;
        for (int i = 0; i < m; i++) {
            s += alpha * norms[i];
        }
        double scale = s;
        return Arrays.stream(u).map(v -> scale * v).toArray();
    }

    // merge_methods/model_stock.py, ModelStockMergeTask.execute
    private static double[] modelStock(List<Tensor> in, int baseIndex, List<Integer> others, boolean filterWise) {
        double[] w0 = in.get(baseIndex).v();
        long[] shape = in.get(baseIndex).shape();
        int n = w0.length;
        int len = filterWise && shape.length >= 2 ? (int) shape[shape.length - 1] : n;
        int rows = n / len;
        int count = others.size();
        double[] res = new double[n];
        for (int r = 0; r < rows; r++) {
            int s = r * len;
            double cosSum = 0;
            int pairs = 0;
            for (int i = 0; i < count; i++) {
                for (int k = i + 1; k < count; k++) {
                    double[] a = in.get(others.get(i)).v();
                    double[] b = in.get(others.get(k)).v();
                    double dot = 0;
                    double na = 0;
                    double nb = 0;
                    for (int j = s; j < s + len; j++) {
                        double da = a[j] - w0[j];
                        double db = b[j] - w0[j];
                        dot += da * db;
                        na += da * da;
                        nb += db * db;
                    }
                    double cos = dot / Math.max(Math.sqrt(na) * Math.sqrt(nb), 1e-6);
                    cosSum += Math.max(-1, Math.min(1, cos));
                    pairs++;
                }
            }
            double cos = cosSum / pairs;
            double t = count * cos / (1 + (count - 1) * cos);
            for (int j = s; j < s + len; j++) {
                double avg = 0;
                for (int i : others) {
                    avg += in.get(i).v()[j];
                }
                avg /= count;
                res[j] = t * avg + (1 - t) * w0[j];
            }
        }
        return res;
    }

    // merge_methods/sce.py, sce_merge, sce_mask, sce_weight; generalized_task_arithmetic.py, get_mask
    private static double[] sce(List<Tensor> in, int baseIndex, List<Integer> others, double topk, boolean[] boundary) {
        double[] b = in.get(baseIndex).v();
        int n = b.length;
        int m = others.size();
        double[][] tv = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                tv[i][j] = in.get(others.get(i)).v()[j] - b[j];
            }
        }
        if (topk < 1) {
            double[] var = new double[n];
            int nonzero = 0;
            for (int j = 0; j < n; j++) {
                double mean = 0;
                for (int i = 0; i < m; i++) {
                    mean += tv[i][j];
                }
                mean /= m;
                for (int i = 0; i < m; i++) {
                    var[j] += (tv[i][j] - mean) * (tv[i][j] - mean);
                }
                var[j] /= m;
                if (var[j] != 0) {
                    nonzero++;
                }
            }
            int k = (int) (nonzero * topk);
            Integer[] order = byDescending(var);
            boolean[] keep = new boolean[n];
            for (int r = 0; r < k; r++) {
                keep[order[r]] = true;
            }
            double cut = k > 0 ? var[order[k - 1]] : Double.POSITIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                // float32 variances can order near-equal values differently
                if (k > 0 && Math.abs(var[j] - cut) <= 1e-5 * cut) {
                    boundary[j] = true;
                }
                if (!keep[j]) {
                    for (int i = 0; i < m; i++) {
                        tv[i][j] = 0;
                    }
                }
            }
        }
        double[] weights = new double[m];
        double wsum = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                weights[i] += tv[i][j] * tv[i][j];
            }
            weights[i] /= n;
            wsum += weights[i];
        }
        for (int i = 0; i < m; i++) {
            weights[i] = Math.abs(wsum) < 1e-6 ? 1.0 / m : weights[i] / wsum;
        }
        double[] res = new double[n];
        for (int j = 0; j < n; j++) {
            double sum = 0;
            double abs = 0;
            for (int i = 0; i < m; i++) {
                sum += tv[i][j];
                abs += Math.abs(tv[i][j]);
            }
            if (Math.abs(sum) <= 1e-6 * abs) {
                boundary[j] = true;
            }
            double majority = sum >= 0 ? 1 : -1;
            double merged = 0;
            double ew = 0;
            for (int i = 0; i < m; i++) {
                if (Math.signum(tv[i][j]) == majority) {
                    merged += tv[i][j] * weights[i];
                    ew += weights[i];
                }
            }
            res[j] = b[j] + merged / Math.max(ew, 1e-6);
        }
        return res;
    }

    // merge_methods/arcee_fusion.py, ArceeFusionMergeTask.execute, _compute_importance, DynamicThresholdFusion
    private static double[] arceeFusion(Tensor baseTensor, double[] x, boolean[] boundary) {
        double[] a = baseTensor.v();
        long[] shape = baseTensor.shape();
        int n = a.length;
        int len = (int) shape[shape.length - 1];
        double[] importance = new double[n];
        for (int s = 0; s < n; s += len) {
            double[] p = softmax(x, s, len);
            double[] q = softmax(a, s, len);
            double kl = 0;
            for (int k = 0; k < len; k++) {
                kl += (p[k] + 1e-8) * Math.log((p[k] + 1e-8) / (q[k] + 1e-8));
            }
            for (int k = 0; k < len; k++) {
                importance[s + k] = Math.abs(x[s + k] - a[s + k]) * kl;
            }
        }
        double[] sorted = importance.clone();
        Arrays.sort(sorted);
        double median = sorted[(int) (0.5 * (n - 1))];
        double q1 = sorted[(int) (0.25 * (n - 1))];
        double q3 = sorted[(int) (0.75 * (n - 1))];
        double threshold = median + 1.5 * (q3 - q1);
        double[] res = new double[n];
        for (int j = 0; j < n; j++) {
            if (Math.abs(importance[j] - threshold) <= 1e-5 * Math.abs(threshold)) {
                boundary[j] = true;
            }
            res[j] = importance[j] >= threshold ? x[j] : a[j];
        }
        return res;
    }

    private static double[] softmax(double[] v, int start, int len) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < len; k++) {
            max = Math.max(max, v[start + k]);
        }
        double[] e = new double[len];
        double sum = 0;
        for (int k = 0; k < len; k++) {
            e[k] = Math.exp(v[start + k] - max);
            sum += e[k];
        }
        for (int k = 0; k < len; k++) {
            e[k] /= sum;
        }
        return e;
    }

    // merge_methods/generalized_task_arithmetic.py, GTATask.execute, get_task_vectors, get_mask; sparsify.py
    private double[] generalizedTaskArithmetic(String out, List<Tensor> in, List<Map<String, Object>> perModel,
                                               int baseIndex, List<Integer> others, Map<String, Object> global,
                                               boolean[] boundary) {
        boolean consensus = switch (method) {
            case "ties", "dare_ties", "breadcrumbs_ties", "della" -> true;
            default -> false;
        };
        boolean normalize = flag(global, "normalize", method.equals("ties") || method.equals("della"));
        boolean rescale = flag(global, "rescale", method.startsWith("dare") || method.startsWith("della"));
        double lambda = num(global, "lambda", 1.0);
        double[] b = in.get(baseIndex).v();
        long[] shape = in.get(baseIndex).shape();
        int n = b.length;
        int m = others.size();
        double[][] wd = new double[m][];
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            int src = others.get(i);
            double[] d = new double[n];
            for (int j = 0; j < n; j++) {
                d[j] = in.get(src).v()[j] - b[j];
            }
            double density = num(perModel.get(src), "density", 1.0);
            boolean[] keep = density >= 1 ? null : switch (method) {
                case "ties" -> magnitude(d, density);
                case "breadcrumbs", "breadcrumbs_ties" -> magnitudeOutliers(d, density,
                        num(perModel.get(src), "gamma", 0.01));
                case "dare_ties", "dare_linear" -> bernoulli(n, density, streamKey(out, i));
                case "della", "della_linear" -> dellaMagprune(d, shape, density,
                        num(perModel.get(src), "epsilon", 0.15), streamKey(out, i));
                default -> null;
            };
            if (keep != null) {
                double before = 0;
                double after = 0;
                for (int j = 0; j < n; j++) {
                    before += Math.abs(d[j]);
                    if (!keep[j]) {
                        d[j] = 0;
                    }
                    after += Math.abs(d[j]);
                }
                // rescaled_masked_tensor with the L1 norm
                if (rescale && before >= 1e-7 && after >= 1e-7) {
                    for (int j = 0; j < n; j++) {
                        d[j] *= before / after;
                    }
                }
            }
            w[i] = num(perModel.get(src), "weight", Double.NaN);
            wd[i] = d;
            for (int j = 0; j < n; j++) {
                d[j] *= w[i];
            }
        }
        double[] res = new double[n];
        for (int j = 0; j < n; j++) {
            double mixed = 0;
            double divisor = 0;
            if (consensus) {
                double sum = 0;
                double abs = 0;
                for (int i = 0; i < m; i++) {
                    sum += wd[i][j];
                    abs += Math.abs(wd[i][j]);
                }
                if (Math.abs(sum) <= 1e-6 * abs) {
                    boundary[j] = true;
                }
                double majority = sum >= 0 ? 1 : -1;
                for (int i = 0; i < m; i++) {
                    if (Math.signum(wd[i][j]) == majority) {
                        mixed += wd[i][j];
                        divisor += w[i];
                    }
                }
                if (divisor == 0) {
                    divisor = 1;
                }
            } else {
                for (int i = 0; i < m; i++) {
                    mixed += wd[i][j];
                    divisor += w[i];
                }
                if (Math.abs(divisor) < 1e-8) {
                    divisor = 1;
                }
            }
            if (normalize) {
                mixed /= divisor;
            }
            res[j] = b[j] + mixed * lambda;
        }
        return res;
    }

    private long streamKey(String tensor, int model) {
        return MergeRandom.streamKey(MergeRunner.tensorSeed(seed, tensor), tensor, model);
    }

    /** Positions by |d| descending, ties by position. */
    private static Integer[] byDescending(double[] v) {
        Integer[] order = IntStream.range(0, v.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer j) -> -Math.abs(v[j])).thenComparingInt(j -> j));
        return order;
    }

    // sparsify.py, magnitude: the top int(density * n) by |d|
    private static boolean[] magnitude(double[] d, double density) {
        int k = (int) (density * d.length);
        if (k <= 0) {
            throw new IllegalStateException("not gonna zero out the whole tensor buddy");
        }
        boolean[] keep = new boolean[d.length];
        Integer[] order = byDescending(d);
        for (int r = 0; r < k; r++) {
            keep[order[r]] = true;
        }
        return keep;
    }

    // sparsify.py, magnitude_outliers: ascending ranks [n_bot, n - n_top)
    private static boolean[] magnitudeOutliers(double[] d, double density, double gamma) {
        int n = d.length;
        int target = (int) (density * n);
        int top = (int) (gamma * n);
        int bot = n - target - top;
        if (bot < 0) {
            top += bot;
            bot = 0;
        }
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer j) -> Math.abs(d[j])).thenComparingInt(j -> j));
        boolean[] keep = new boolean[n];
        // With n_top = 0 mergekit's indices[n_bot:-0] is empty and the whole delta is dropped; Crucible keeps
        // the intended ranks [n_bot, n) instead (a deliberate difference listed in the README), and so does
        // this reference, since the comparison is about everything else.
        for (int r = bot; r < n - top; r++) {
            keep[order[r]] = true;
        }
        return keep;
    }

    // sparsify.py, bernoulli: keep with probability density
    private static boolean[] bernoulli(int n, double density, long key) {
        boolean[] keep = new boolean[n];
        for (int j = 0; j < n; j++) {
            keep[j] = MergeRandom.uniform(key, j) < density;
        }
        return keep;
    }

    // sparsify.py, della_magprune: ranks along dim 1 (a vector is one row), p = density - eps + 2 eps rank_norm
    private static boolean[] dellaMagprune(double[] d, long[] shape, double density, double epsilon, long key) {
        int n = d.length;
        int len = shape.length < 2 ? n : (int) shape[1];
        int inner = shape.length < 2 ? 1 : n / (int) shape[0] / len;
        boolean[] keep = new boolean[n];
        for (int block = 0; block < n; block += len * inner) {
            for (int row = 0; row < inner; row++) {
                int s = block + row;
                Integer[] order = IntStream.range(0, len).boxed().toArray(Integer[]::new);
                Arrays.sort(order, Comparator.comparingDouble((Integer k) -> Math.abs(d[s + k * inner]))
                        .thenComparingInt(k -> k));
                for (int rank = 0; rank < len; rank++) {
                    int j = s + order[rank] * inner;
                    double p = (density - epsilon) + 2 * epsilon * ((double) rank / (len - 1));
                    keep[j] = MergeRandom.uniform(key, j) < p;
                }
            }
        }
        return keep;
    }
}
