package dev.crucible.merge;

import dev.crucible.error.CrucibleException;

import java.util.Set;

/**
 * Spherical interpolation between the base ({@code t = 0}) and one other model ({@code t = 1}) over the
 * flattened tensors: the angle comes from the unit vectors (a norm at or below 1e-8 is not divided out),
 * the weights {@code sin((1-t)θ)/sin θ} and {@code sin(tθ)/sin θ} apply to the un-normalised tensors, and
 * {@code |cos θ| > 0.9995} falls back to linear interpolation.
 */
public final class SlerpMerge implements MergeMethod {

    private static final double DOT_THRESHOLD = 0.9995;
    private static final double NORM_EPS = 1e-8;

    @Override
    public String name() {
        return "slerp";
    }

    @Override
    public boolean requiresBase() {
        return true;
    }

    @Override
    public Set<String> modelParameters() {
        return Set.of();
    }

    @Override
    public Set<String> globalParameters() {
        return Set.of("t");
    }

    @Override
    public void validate(MergeParameters p) {
        PairInputs.requireOneModel("slerp", p);
        double t = p.requireGlobal("slerp", "t");
        if (!Double.isFinite(t)) {
            throw new CrucibleException("slerp: t must be a finite number (got " + t + ")");
        }
    }

    @Override
    public float[] merge(MergeInput in) {
        PairInputs pair = PairInputs.of("slerp", in);
        double t = in.params().global("t", Double.NaN);
        float[] v0 = pair.base();
        float[] v1 = pair.other();
        int n = v0.length;
        double n0 = Math.sqrt(Chunks.sum(n, (a, b) -> dot(v0, v0, a, b)));
        double n1 = Math.sqrt(Chunks.sum(n, (a, b) -> dot(v1, v1, a, b)));
        double dot = Chunks.sum(n, (a, b) -> dot(v0, v1, a, b))
                / ((n0 > NORM_EPS ? n0 : 1.0) * (n1 > NORM_EPS ? n1 : 1.0));
        float s0;
        float s1;
        if (Math.abs(dot) > DOT_THRESHOLD) {
            s0 = (float) (1 - t);
            s1 = (float) t;
        } else {
            double theta = Math.acos(dot);
            double sinTheta = Math.sin(theta);
            s0 = (float) (Math.sin(theta - theta * t) / sinTheta);
            s1 = (float) (Math.sin(theta * t) / sinTheta);
        }
        float[] out = new float[n];
        Chunks.run(n, (c, a, b) -> {
            for (int j = a; j < b; j++) {
                out[j] = s0 * v0[j] + s1 * v1[j];
            }
        });
        return out;
    }

    static double dot(float[] x, float[] y, int from, int to) {
        double s = 0;
        for (int j = from; j < to; j++) {
            s += (double) x[j] * y[j];
        }
        return s;
    }
}
