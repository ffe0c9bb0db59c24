package dev.crucible.merge.methods;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.ChunkWriter;
import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.MethodDefinition;
import dev.crucible.merge.ParameterDefinition;
import dev.crucible.merge.kernels.Chunks;
import dev.crucible.merge.kernels.Scratch;


/**
 * Spherical interpolation between the base ({@code t = 0}) and one other model ({@code t = 1}) over the
 * flattened tensors: the angle comes from the unit vectors (a norm at or below 1e-8 is not divided out),
 * the weights {@code sin((1-t)θ)/sin θ} and {@code sin(tθ)/sin θ} apply to the un-normalised tensors, and
 * {@code |cos θ| > 0.9995} falls back to linear interpolation.
 */
public final class SlerpMerge implements StreamingPairMerge {

    private static final double DOT_THRESHOLD = 0.9995;
    private static final double NORM_EPS = 1e-8;

    private static final ParameterDefinition T = ParameterDefinition.global("t", null).asSearched();

    /** mergekit's {@code slerp}: the base and one model, global {@code t}. */
    public static final MethodDefinition DEFINITION = MethodDefinition.withBase("slerp", T);

    @Override
    public MethodDefinition definition() {
        return DEFINITION;
    }

    @Override
    public void validate(MergeParameters p) {
        PairInputs.requireOneModel("slerp", p);
        double t = T.require("slerp", p);
        if (!Double.isFinite(t)) {
            throw new CrucibleException("slerp: t must be a finite number (got " + t + ")");
        }
    }

    /**
     * Two passes over the inputs: the norms and the dot product, then the weighted sum. Each sum is taken a
     * chunk at a time, in element order within a chunk and chunk order across them, so it is the same double
     * whatever the thread count.
     */
    @Override
    public void merge(ChunkedValues v0, ChunkedValues v1, MergeParameters params, ChunkWriter out) {
        double t = T.number(params);

        int n = v0.length();
        int chunks = Chunks.count(n);
        double[] squares0 = new double[chunks];
        double[] squares1 = new double[chunks];
        double[] products = new double[chunks];
        Chunks.run(n, (c, from, to) -> {
            int len = to - from;
            float[] a = Scratch.buffer(1);
            float[] b = Scratch.buffer(2);
            v0.read(from, a, len);
            v1.read(from, b, len);
            squares0[c] = dot(a, a, 0, len);
            squares1[c] = dot(b, b, 0, len);
            products[c] = dot(a, b, 0, len);
        });
        double n0 = Math.sqrt(Chunks.total(squares0));
        double n1 = Math.sqrt(Chunks.total(squares1));
        double dot = Chunks.total(products) / ((n0 > NORM_EPS ? n0 : 1.0) * (n1 > NORM_EPS ? n1 : 1.0));
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
        Chunks.run(n, (c, from, to) -> {
            int len = to - from;
            float[] o = Scratch.buffer(0);
            float[] a = Scratch.buffer(1);
            float[] b = Scratch.buffer(2);
            v0.read(from, a, len);
            v1.read(from, b, len);
            for (int j = 0; j < len; j++) {
                o[j] = s0 * a[j] + s1 * b[j];
            }
            out.write(from, o, len);
        });
    }

    static double dot(float[] x, float[] y, int from, int to) {
        double s = 0;
        for (int j = from; j < to; j++) {
            s += (double) x[j] * y[j];
        }
        return s;
    }
}
