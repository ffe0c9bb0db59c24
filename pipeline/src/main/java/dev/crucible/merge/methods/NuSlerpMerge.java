package dev.crucible.merge.methods;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.ChunkWriter;
import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.MethodDefinition;
import dev.crucible.merge.ParameterDefinition;
import dev.crucible.merge.StreamingMerge;
import dev.crucible.merge.TensorValues;
import dev.crucible.merge.kernels.Chunks;
import dev.crucible.merge.kernels.Scratch;
import dev.crucible.merge.kernels.VectorLayout;

import java.util.stream.IntStream;

/**
 * NuSLERP: spherical interpolation of exactly two models with {@code t = w2 / (w1 + w2)} (0.5 when the
 * weights sum to under 1e-6 in magnitude). With a base model the task vectors are interpolated and the
 * base added back. {@code nuslerp_flatten} (default true) treats the tensor as one vector; otherwise each
 * row is a vector, or each column with {@code nuslerp_row_wise} (mergekit's axis choice). Vectors with
 * {@code |sin θ| < 1e-8} are interpolated linearly.
 */
public final class NuSlerpMerge implements MergeMethod, StreamingMerge {

    private static final double NORM_EPS = 1e-7;
    private static final double SIN_EPS = 1e-8;

    private static final ParameterDefinition FLATTEN = ParameterDefinition.flag("nuslerp_flatten", true);
    private static final ParameterDefinition ROW_WISE = ParameterDefinition.flag("nuslerp_row_wise", false);

    /** mergekit's {@code nuslerp}: weight per model (two models), flatten and row-wise flags. */
    public static final MethodDefinition DEFINITION = MethodDefinition.baseOptional("nuslerp",
            ParameterDefinition.WEIGHT, FLATTEN, ROW_WISE);

    @Override
    public MethodDefinition definition() {
        return DEFINITION;
    }

    @Override
    public void validate(MergeParameters p) {
        if (p.modelCount() != 2) {
            throw new CrucibleException("nuslerp: needs exactly two models besides the base_model, got " + p.modelCount());
        }
        for (int i = 0; i < 2; i++) {
            double w = ParameterDefinition.WEIGHT.require("nuslerp", p, i);
            if (!Double.isFinite(w)) {
                throw new CrucibleException("nuslerp: weight must be a finite number for model " + p.modelName(i)
                        + " (got " + w + ")");
            }
        }
        FLATTEN.flag(p);
        ROW_WISE.flag(p);
    }

    @Override
    public float[] merge(MergeInput<TensorValues> in) {
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
        if (FLATTEN.flag(p)) {
            float[] out = new float[n];
            mergeFlat(base == null ? null : ChunkedValues.of("base", shape, base), ChunkedValues.of("0", shape, x0),
                    ChunkedValues.of("1", shape, x1), interpolationPoint(p), ChunkWriter.into(out));
            return out;
        }
        float[] v0 = base == null ? x0 : minus(x0, base);
        float[] v1 = base == null ? x1 : minus(x1, base);
        double t = interpolationPoint(p);
        VectorLayout layout = ROW_WISE.flag(p) ? VectorLayout.firstAxis(shape, n)
                : VectorLayout.lastAxis(shape, n);
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

    /** Streams the flattened form (the default) when every input has the output's shape. */
    @Override
    public boolean canStream(MergeInput<ChunkedValues> in) {
        return in.models().size() == 2 && in.shapesMatchOutput() && FLATTEN.flag(in.params());
    }

    @Override
    public void merge(MergeInput<ChunkedValues> in, ChunkWriter out) {
        mergeFlat(in.base(), in.models().get(0), in.models().get(1), interpolationPoint(in.params()), out);
    }

    /** {@code t = w1 / (w0 + w1)}, or the midpoint when the weights cancel. */
    private static double interpolationPoint(MergeParameters p) {
        double w0 = ParameterDefinition.WEIGHT.number(p, 0);
        double w1 = ParameterDefinition.WEIGHT.number(p, 1);

        return Math.abs(w0 + w1) < 1e-6 ? 0.5 : w1 / (w0 + w1);
    }

    /**
     * The whole tensor as one vector: the sums run through the elements in order on one thread (a chunk at a
     * time), then the output is written in parallel. Task vectors are taken from {@code base} when there is one.
     */
    private static void mergeFlat(ChunkedValues base, ChunkedValues x0, ChunkedValues x1, double t, ChunkWriter out) {
        int n = x0.length();
        float[] b = new float[Chunks.SIZE];
        float[] v0 = new float[Chunks.SIZE];
        float[] v1 = new float[Chunks.SIZE];
        double[] sums = new double[3];
        for (int from = 0; from < n; from += Chunks.SIZE) {
            int len = Math.min(Chunks.SIZE, n - from);
            readDeltas(base, x0, x1, from, len, b, v0, v1);
            for (int j = 0; j < len; j++) {
                sums[0] += (double) v0[j] * v0[j];
                sums[1] += (double) v1[j] * v1[j];
                sums[2] += (double) v0[j] * v1[j];
            }
        }
        float[] s = weights(sums[0], sums[1], sums[2], t);
        Chunks.run(n, (c, from, to) -> {
            int len = to - from;
            float[] o = Scratch.buffer(0);
            float[] bc = Scratch.buffer(1);
            float[] d0 = Scratch.buffer(2);
            float[] d1 = Scratch.buffer(3);
            readDeltas(base, x0, x1, from, len, bc, d0, d1);
            for (int j = 0; j < len; j++) {
                o[j] = s[0] * d0[j] + s[1] * d1[j];
            }
            if (base != null) {
                for (int j = 0; j < len; j++) {
                    o[j] += bc[j];
                }
            }
            out.write(from, o, len);
        });
    }

    /** Reads {@code [from, from + len)} of both models into {@code v0}, {@code v1}, less the base when there is one. */
    private static void readDeltas(ChunkedValues base, ChunkedValues x0, ChunkedValues x1, int from, int len, float[] b,
                                   float[] v0, float[] v1) {
        x0.read(from, v0, len);
        x1.read(from, v1, len);
        if (base != null) {
            base.read(from, b, len);
            for (int j = 0; j < len; j++) {
                v0[j] -= b[j];
                v1[j] -= b[j];
            }
        }
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
        float[] s = weights(n0, n1, dot, t);
        for (int i = 0; i < layout.length(); i++) {
            int j = layout.index(g, i);
            out[j] = s[0] * v0[j] + s[1] * v1[j];
        }
    }

    /** The weights of the two task vectors from their squared norms and dot product ({@code 1 - t, t} when parallel). */
    private static float[] weights(double n0, double n1, double dot, double t) {
        double cos = dot / (Math.max(Math.sqrt(n0), NORM_EPS) * Math.max(Math.sqrt(n1), NORM_EPS));
        double theta = Math.acos(Math.max(-1, Math.min(1, cos)));
        double sin = Math.sin(theta);
        if (Math.abs(sin) < SIN_EPS) {
            return new float[] {(float) (1 - t), (float) t};
        }
        return new float[] {(float) (Math.sin((1 - t) * theta) / sin), (float) (Math.sin(t * theta) / sin)};
    }

    static float[] minus(float[] x, float[] b) {
        float[] d = new float[x.length];
        for (int j = 0; j < x.length; j++) {
            d[j] = x[j] - b[j];
        }
        return d;
    }
}
