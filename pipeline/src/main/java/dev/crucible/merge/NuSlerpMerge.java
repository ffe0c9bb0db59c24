package dev.crucible.merge;

import dev.crucible.error.CrucibleException;

import java.util.Set;
import java.util.stream.IntStream;

/**
 * NuSLERP: spherical interpolation of exactly two models with {@code t = w2 / (w1 + w2)} (0.5 when the
 * weights sum to under 1e-6 in magnitude). With a base model the task vectors are interpolated and the
 * base added back. {@code nuslerp_flatten} (default true) treats the tensor as one vector; otherwise each
 * row is a vector, or each column with {@code nuslerp_row_wise} (mergekit's axis choice). Vectors with
 * {@code |sin θ| < 1e-8} are interpolated linearly.
 */
public final class NuSlerpMerge implements MergeMethod {

    private static final double NORM_EPS = 1e-7;
    private static final double SIN_EPS = 1e-8;

    @Override
    public String name() {
        return "nuslerp";
    }

    @Override
    public boolean requiresBase() {
        return false;
    }

    @Override
    public Set<String> modelParameters() {
        return Set.of("weight");
    }

    @Override
    public Set<String> globalParameters() {
        return Set.of("nuslerp_flatten", "nuslerp_row_wise");
    }

    @Override
    public void validate(MergeParameters p) {
        if (p.modelCount() != 2) {
            throw new CrucibleException("nuslerp: needs exactly two models besides the base_model, got " + p.modelCount());
        }
        for (int i = 0; i < 2; i++) {
            double w = p.requireModel("nuslerp", i, "weight");
            if (!Double.isFinite(w)) {
                throw new CrucibleException("nuslerp: weight must be a finite number for model " + p.modelName(i)
                        + " (got " + w + ")");
            }
        }
        p.flag("nuslerp_flatten", true);
        p.flag("nuslerp_row_wise", false);
    }

    @Override
    public float[] merge(MergeInput in) {
        if (in.models().size() != 2) {
            throw new CrucibleException("nuslerp: needs exactly two models besides the base_model, got "
                    + in.models().size() + " for tensor " + in.tensorName());
        }
        MergeParameters p = in.params();
        long[] shape = in.outputShape();
        float[] base = in.base() == null ? null : PairInputs.align("nuslerp", in, in.base(), shape);
        float[] x0 = PairInputs.align("nuslerp", in, in.models().get(0), shape);
        float[] x1 = PairInputs.align("nuslerp", in, in.models().get(1), shape);
        int n = x0.length;
        float[] v0 = base == null ? x0 : minus(x0, base);
        float[] v1 = base == null ? x1 : minus(x1, base);
        double w0 = p.model(0, "weight", Double.NaN);
        double w1 = p.model(1, "weight", Double.NaN);
        double t = Math.abs(w0 + w1) < 1e-6 ? 0.5 : w1 / (w0 + w1);
        VectorLayout layout = p.flag("nuslerp_flatten", true) ? VectorLayout.flat(n)
                : p.flag("nuslerp_row_wise", false) ? VectorLayout.firstAxis(shape, n) : VectorLayout.lastAxis(shape, n);
        float[] out = new float[n];
        IntStream range = IntStream.range(0, layout.count());
        (n >= Chunks.PARALLEL_MIN && layout.count() > 1 ? range.parallel() : range)
                .forEach(g -> slerpVector(layout, g, t, v0, v1, out));
        if (base != null) {
            for (int j = 0; j < n; j++) {
                out[j] += base[j];
            }
        }
        return out;
    }

    private static void slerpVector(VectorLayout layout, int g, double t, float[] v0, float[] v1, float[] out) {
        double n0 = 0;
        double n1 = 0;
        double dot = 0;
        for (int i = 0; i < layout.length(); i++) {
            int j = layout.index(g, i);
            n0 += (double) v0[j] * v0[j];
            n1 += (double) v1[j] * v1[j];
            dot += (double) v0[j] * v1[j];
        }
        double cos = dot / (Math.max(Math.sqrt(n0), NORM_EPS) * Math.max(Math.sqrt(n1), NORM_EPS));
        double theta = Math.acos(Math.max(-1, Math.min(1, cos)));
        double sin = Math.sin(theta);
        float s0;
        float s1;
        if (Math.abs(sin) < SIN_EPS) {
            s0 = (float) (1 - t);
            s1 = (float) t;
        } else {
            s0 = (float) (Math.sin((1 - t) * theta) / sin);
            s1 = (float) (Math.sin(t * theta) / sin);
        }
        for (int i = 0; i < layout.length(); i++) {
            int j = layout.index(g, i);
            out[j] = s0 * v0[j] + s1 * v1[j];
        }
    }

    static float[] minus(float[] x, float[] b) {
        float[] d = new float[x.length];
        for (int j = 0; j < x.length; j++) {
            d[j] = x[j] - b[j];
        }
        return d;
    }
}
