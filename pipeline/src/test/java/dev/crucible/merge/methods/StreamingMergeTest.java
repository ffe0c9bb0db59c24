package dev.crucible.merge.methods;

import dev.crucible.merge.ChunkWriter;
import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeMethods;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.StreamingMerge;
import dev.crucible.merge.TensorValues;
import dev.crucible.merge.kernels.Chunks;
import dev.crucible.tensor.FloatCodec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class StreamingMergeTest {

    // Over Chunks.PARALLEL_MIN and not a multiple of the chunk size: parallel chunks and a short last one.
    private static final int N = 300_001;
    private static final long[] SHAPE = {N};

    /** bf16-rounded values, so task vectors hold many equal magnitudes (ties at the trim threshold). */
    private static TensorValues tensor(String model, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[N];
        for (int i = 0; i < N; i++) {
            v[i] = FloatCodec.bf16ToFloat(FloatCodec.floatToBf16((float) ((r.nextDouble() - 0.5) * 0.04)));
        }
        return new TensorValues(model, SHAPE, v);
    }

    private static MergeParameters params(Map<String, Object> global, List<Map<String, Object>> perModel,
                                          List<TensorValues> models) {
        return new MergeParameters(global, perModel, models.stream().map(TensorValues::modelName).toList());
    }

    /** The streamed result and the array result of one method on the same input. */
    private static float[][] bothPaths(String method, TensorValues base, List<TensorValues> models,
                                       Map<String, Object> global, List<Map<String, Object>> perModel) {
        MergeMethod m = MergeMethods.byName(method).orElseThrow();
        MergeParameters p = params(global, perModel, models);
        m.validate(p);
        float[] array = m.merge(new MergeInput<>("t", SHAPE, base, models, p, 7L));
        MergeInput<ChunkedValues> in = new MergeInput<>("t", SHAPE, base == null ? null : base,
                List.<ChunkedValues>copyOf(models), p, 7L);
        StreamingMerge streaming = (StreamingMerge) m;
        assertThat(streaming.canStream(in)).as(method).isTrue();
        float[] streamed = new float[N];
        streaming.merge(in, ChunkWriter.into(streamed));
        return new float[][] {streamed, array};
    }

    @Test
    void streamedLinearEqualsTheArrayMergeAndThePlainWeightedAverage() {
        List<TensorValues> models = List.of(tensor("a", 1), tensor("b", 2), tensor("c", 3));
        float[][] r = bothPaths("linear", null, models, Map.of(),
                List.of(Map.of("weight", 0.5), Map.of("weight", 0.3), Map.of("weight", 0.7)));
        assertThat(r[0]).isEqualTo(r[1]);
        float[] w = {0.5f, 0.3f, 0.7f};
        for (int j = 0; j < N; j += 997) {
            float s = 0f;
            for (int i = 0; i < 3; i++) {
                s += w[i] * models.get(i).values()[j];
            }
            assertThat(r[0][j]).isEqualTo(s / (w[0] + w[1] + w[2]));
        }
    }

    @Test
    void streamedTiesEqualsTheArrayMergeAndAPlainPerElementReference() {
        TensorValues base = tensor("base", 10);
        List<TensorValues> models = List.of(tensor("a", 11), tensor("b", 12));
        List<Map<String, Object>> perModel = List.of(Map.of("weight", 0.6, "density", 0.3),
                Map.of("weight", 0.4, "density", 0.5));
        float[][] r = bothPaths("ties", base, models, Map.of("lambda", 0.9), perModel);
        assertThat(r[0]).isEqualTo(r[1]);
        assertThat(r[0]).isEqualTo(tiesReference(base, models, new float[] {0.6f, 0.4f}, new double[] {0.3, 0.5},
                0.9f));
    }

    @Test
    void streamedTiesOfOneModelEqualsAPlainPerElementReference() {
        TensorValues base = tensor("base", 20);
        List<TensorValues> models = List.of(tensor("a", 21));
        float[][] r = bothPaths("ties", base, models, Map.of(), List.of(Map.of("weight", 1.0, "density", 0.5)));
        assertThat(r[0]).isEqualTo(r[1]);
        assertThat(r[0]).isEqualTo(tiesReference(base, models, new float[] {1f}, new double[] {0.5}, 1f));
    }

    @Test
    void streamedTaskArithmeticWithRescaledTrimEqualsTheArrayMerge() {
        TensorValues base = tensor("base", 30);
        List<TensorValues> models = List.of(tensor("a", 31), tensor("b", 32));
        float[][] plain = bothPaths("task_arithmetic", base, models, Map.of("normalize", true),
                List.of(Map.of("weight", 0.7), Map.of("weight", -0.2)));
        assertThat(plain[0]).isEqualTo(plain[1]);
        float[][] rescaled = bothPaths("ties", base, models, Map.of("rescale", true, "normalize", false),
                List.of(Map.of("weight", 0.7, "density", 0.2), Map.of("weight", 0.5, "density", 0.9)));
        assertThat(rescaled[0]).isEqualTo(rescaled[1]);
    }

    @Test
    void streamedDareBreadcrumbsAndDellaEqualTheArrayMerge() {
        TensorValues base = tensor("base", 50);
        List<TensorValues> models = List.of(tensor("a", 51), tensor("b", 52));
        List<Map<String, Object>> perModel = List.of(Map.of("weight", 0.6, "density", 0.3),
                Map.of("weight", 0.5, "density", 0.7, "gamma", 0.05, "epsilon", 0.1));
        for (String method : List.of("dare_ties", "dare_linear", "breadcrumbs", "breadcrumbs_ties", "della",
                "della_linear")) {
            float[][] r = bothPaths(method, base, models, Map.of(), perModel);
            assertThat(r[0]).as(method).isEqualTo(r[1]);
        }
        // DARE rescales by default; without it the kept deltas are the raw ones, on the same positions.
        float[][] raw = bothPaths("dare_linear", base, models, Map.of("rescale", false), perModel);
        assertThat(raw[0]).isEqualTo(raw[1]);
    }

    @Test
    void streamedSlerpEqualsTheArrayMergeAndTheFormula() {
        TensorValues base = tensor("base", 60);
        TensorValues other = tensor("a", 61);
        float[][] r = bothPaths("slerp", base, List.of(other), Map.of("t", 0.3), List.of(Map.of()));
        assertThat(r[0]).isEqualTo(r[1]);
        float[] v0 = base.values();
        float[] v1 = other.values();
        double n0 = 0;
        double n1 = 0;
        double dot = 0;
        for (int j = 0; j < N; j++) {
            n0 += (double) v0[j] * v0[j];
            n1 += (double) v1[j] * v1[j];
            dot += (double) v0[j] * v1[j];
        }
        double theta = Math.acos(dot / Math.sqrt(n0 * n1));
        double s0 = Math.sin(0.7 * theta) / Math.sin(theta);
        double s1 = Math.sin(0.3 * theta) / Math.sin(theta);
        for (int j = 0; j < N; j += 997) {
            assertThat((double) r[0][j]).isCloseTo(s0 * v0[j] + s1 * v1[j], within(1e-6));
        }
    }

    @Test
    void streamedNearswapEqualsTheArrayMergeAndTheFormula() {
        TensorValues base = tensor("base", 70);
        TensorValues other = tensor("a", 71);
        float[][] r = bothPaths("nearswap", base, List.of(other), Map.of("t", 0.01), List.of(Map.of()));
        assertThat(r[0]).isEqualTo(r[1]);
        for (int j = 0; j < N; j += 997) {
            float a = base.values()[j];
            float b = other.values()[j];
            float w = Math.min(1f, 0.01f / Math.max(Math.abs(a - b), 1e-6f));
            assertThat(r[0][j]).isEqualTo(w * b + (1 - w) * a);
        }
    }

    @Test
    void streamedModelStockEqualsTheArrayMergeAndMergekitsFormula() {
        TensorValues base = tensor("base", 80);
        List<TensorValues> models = List.of(tensor("a", 81), tensor("b", 82), tensor("c", 83));
        float[][] r = bothPaths("model_stock", base, models, Map.of(), List.of(Map.of(), Map.of(), Map.of()));
        assertThat(r[0]).isEqualTo(r[1]);
        double[] expected = modelStockReference(base.values(), models.stream().map(TensorValues::values).toList());
        for (int j = 0; j < N; j += 997) {
            assertThat((double) r[0][j]).as("element %d", j).isCloseTo(expected[j], within(1e-6));
        }
    }

    @Test
    void streamedNuslerpEqualsTheArrayMergeAndMergekitsFormulaWithAndWithoutABase() {
        TensorValues base = tensor("base", 90);
        List<TensorValues> models = List.of(tensor("a", 91), tensor("b", 92));
        List<Map<String, Object>> perModel = List.of(Map.of("weight", 0.3), Map.of("weight", 0.9));
        double t = 0.9 / (0.3 + 0.9);
        float[][] withBase = bothPaths("nuslerp", base, models, Map.of(), perModel);
        assertThat(withBase[0]).isEqualTo(withBase[1]);
        double[] expectedWithBase = nuslerpReference(t, base.values(), models.get(0).values(), models.get(1).values());
        float[][] withoutBase = bothPaths("nuslerp", null, models, Map.of(), perModel);
        assertThat(withoutBase[0]).isEqualTo(withoutBase[1]);
        double[] expectedWithoutBase = nuslerpReference(t, null, models.get(0).values(), models.get(1).values());
        for (int j = 0; j < N; j += 997) {
            assertThat((double) withBase[0][j]).as("with base, element %d", j)
                    .isCloseTo(expectedWithBase[j], within(1e-6));
            assertThat((double) withoutBase[0][j]).as("without base, element %d", j)
                    .isCloseTo(expectedWithoutBase[j], within(1e-6));
        }
    }

    @Test
    void methodsDeclineToStreamWhatOnlyTheArrayPathHandles() {
        TensorValues base = tensor("base", 40);
        TensorValues other = new TensorValues("short", new long[] {N - 1}, new float[N - 1]);
        MergeParameters one = params(Map.of(), List.of(Map.of("weight", 1.0)), List.of(other));
        MergeInput<ChunkedValues> mismatched = new MergeInput<>("t", SHAPE, base,
                List.of(other), one, 0L);
        assertThat(((StreamingMerge) MergeMethods.byName("linear").orElseThrow()).canStream(mismatched)).isFalse();
        assertThat(((StreamingMerge) MergeMethods.byName("ties").orElseThrow()).canStream(mismatched)).isFalse();
        MergeInput<ChunkedValues> sameShape = new MergeInput<>("t", SHAPE, base,
                List.of(tensor("a", 41)), one, 0L);
        assertThat(((StreamingMerge) MergeMethods.byName("della").orElseThrow()).canStream(sameShape)).isTrue();
        assertThat(((StreamingMerge) MergeMethods.byName("ties").orElseThrow()).canStream(sameShape)).isTrue();
        assertThat(((StreamingMerge) MergeMethods.byName("dare_ties").orElseThrow()).canStream(sameShape)).isTrue();
    }

    /**
     * mergekit's model_stock over the flattened tensor (mergekit/merge_methods/model_stock.py,
     * ModelStockMergeTask.execute, filter_wise false), in double precision: the mean of the pairwise cosines of
     * the offsets from the base sets t = N cos / (1 + (N - 1) cos), and the result is t * mean(w) + (1 - t) * base.
     */
    private static double[] modelStockReference(float[] w0, List<float[]> ws) {
        int n = ws.size();
        double cosSum = 0;
        int pairs = 0;
        for (int i = 0; i < n; i++) {
            for (int k = i + 1; k < n; k++) {
                double dot = 0;
                double ni = 0;
                double nk = 0;
                for (int j = 0; j < w0.length; j++) {
                    double a = (double) ws.get(i)[j] - w0[j];
                    double b = (double) ws.get(k)[j] - w0[j];
                    dot += a * b;
                    ni += a * a;
                    nk += b * b;
                }
                cosSum += Math.max(-1, Math.min(1, dot / Math.max(Math.sqrt(ni) * Math.sqrt(nk), 1e-6)));
                pairs++;
            }
        }
        double cos = cosSum / pairs;
        double t = n * cos / (1 + (n - 1) * cos);
        double[] out = new double[w0.length];
        for (int j = 0; j < w0.length; j++) {
            double avg = 0;
            for (float[] w : ws) {
                avg += w[j];
            }
            out[j] = t * (avg / n) + (1 - t) * w0[j];
        }
        return out;
    }

    /**
     * mergekit's nuslerp with its defaults (mergekit/merge_methods/nuslerp.py, NuSlerpTask.execute and nuslerp with
     * flatten true), in double precision: spherical interpolation at t = w1 / (w0 + w1) of the two tensors, or of
     * their task vectors added back to the base when there is one.
     */
    private static double[] nuslerpReference(double t, float[] base, float[] a, float[] b) {
        int n = a.length;
        double[] v0 = new double[n];
        double[] v1 = new double[n];
        for (int j = 0; j < n; j++) {
            v0[j] = a[j] - (base == null ? 0 : base[j]);
            v1[j] = b[j] - (base == null ? 0 : base[j]);
        }
        double n0 = 0;
        double n1 = 0;
        double dot = 0;
        for (int j = 0; j < n; j++) {
            n0 += v0[j] * v0[j];
            n1 += v1[j] * v1[j];
            dot += v0[j] * v1[j];
        }
        double theta = Math.acos(Math.max(-1, Math.min(1, dot / (Math.max(Math.sqrt(n0), 1e-7)
                * Math.max(Math.sqrt(n1), 1e-7)))));
        double sin = Math.sin(theta);
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            double mixed = Math.abs(sin) < 1e-8 ? (1 - t) * v0[j] + t * v1[j]
                    : (Math.sin((1 - t) * theta) * v0[j] + Math.sin(t * theta) * v1[j]) / sin;
            out[j] = mixed + (base == null ? 0 : base[j]);
        }
        return out;
    }

    /**
     * TIES as written in the paper, one element at a time over whole arrays: trim each task vector to its
     * top {@code density} magnitudes (lower index first on ties), elect the sign of the summed weighted
     * deltas, average the agreeing ones by their weights, scale by lambda and add to the base.
     */
    private static float[] tiesReference(TensorValues base, List<TensorValues> models, float[] w, double[] density,
                                         float lambda) {
        float[] b = base.values();
        int k = models.size();
        float[][] wd = new float[k][N];
        for (int i = 0; i < k; i++) {
            float[] x = models.get(i).values();
            boolean[] keep = topMagnitudes(x, b, (int) (density[i] * N));
            for (int j = 0; j < N; j++) {
                wd[i][j] = (keep[j] ? x[j] - b[j] : 0f) * w[i];
            }
        }
        float[] out = new float[N];
        for (int j = 0; j < N; j++) {
            float sum = 0f;
            for (int i = 0; i < k; i++) {
                sum += wd[i][j];
            }
            float mixed = 0f;
            float weight = 0f;
            for (int i = 0; i < k; i++) {
                if (sum >= 0f ? wd[i][j] > 0f : wd[i][j] < 0f) {
                    mixed += wd[i][j];
                    weight += w[i];
                }
            }
            out[j] = b[j] + mixed / (weight == 0f ? 1f : weight) * lambda;
        }
        return out;
    }

    /** The {@code count} largest {@code |x - b|} by a full stable sort, larger first, lower index first. */
    private static boolean[] topMagnitudes(float[] x, float[] b, int count) {
        List<Integer> order = new ArrayList<>();
        for (int j = 0; j < N; j++) {
            order.add(j);
        }
        order.sort((p, q) -> Float.compare(Math.abs(x[q] - b[q]), Math.abs(x[p] - b[p])));
        boolean[] keep = new boolean[N];
        for (int r = 0; r < count; r++) {
            keep[order.get(r)] = true;
        }
        return keep;
    }
}
