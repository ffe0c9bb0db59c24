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

import java.util.List;
import java.util.stream.IntStream;

/**
 * Model Stock: moves from the base towards the average of two or more fine-tunes by
 * {@code t = N cos / (1 + (N - 1) cos)}, where {@code cos} is the mean pairwise cosine between their task
 * vectors (each product of norms clamped to at least 1e-6, each cosine to [-1, 1]);
 * {@code out = t mean(x_i) + (1 - t) b}. With {@code filter_wise} the angle is taken per row (last axis)
 * instead of over the whole tensor.
 */
public final class ModelStockMerge implements MergeMethod, StreamingMerge {

    private static final ParameterDefinition FILTER_WISE = ParameterDefinition.flag("filter_wise", false);

    /** mergekit's {@code model_stock}: the base and two or more models, filter_wise. */
    public static final MethodDefinition DEFINITION = MethodDefinition.withBase("model_stock", FILTER_WISE);

    @Override
    public MethodDefinition definition() {
        return DEFINITION;
    }

    @Override
    public void validate(MergeParameters p) {
        if (p.modelCount() < 2) {
            throw new CrucibleException("model_stock: needs at least two models besides the base_model, got "
                    + p.modelCount());
        }
        FILTER_WISE.flag(p);
    }

    @Override
    public float[] merge(MergeInput<TensorValues> in) {
        if (in.base() == null) {
            throw new CrucibleException("model_stock: needs a base_model (tensor " + in.tensorName() + ")");
        }
        long[] shape = in.outputShape();
        float[] b = PairInputs.align("model_stock", in, in.base(), shape);
        AlignedModels models = AlignedModels.of("model_stock", in);
        if (models.size() == 0) {
            return b.clone();
        }
        if (models.size() < 2) {
            throw new CrucibleException("model_stock: tensor " + in.tensorName() + " has only one model besides the base;"
                    + " model_stock needs at least two");
        }
        int n = b.length;
        float[][] x = models.values().toArray(new float[0][]);
        float[] out = new float[n];
        if (!FILTER_WISE.flag(in.params())) {
            mergeFlat(ChunkedValues.of("base", shape, b),
                    models.values().stream().map(v -> ChunkedValues.of("model", shape, v)).toList(),
                    ChunkWriter.into(out));
            return out;
        }
        VectorLayout layout = VectorLayout.lastAxis(shape, n);
        IntStream range = IntStream.range(0, layout.count());
        (n >= Chunks.PARALLEL_MIN && layout.count() > 1 ? range.parallel() : range)
                .forEach(g -> mergeRow(layout, g, b, x, out));
        return out;
    }

    /** Streams the whole-tensor angle (not {@code filter_wise}) when every input has the output's shape. */
    @Override
    public boolean canStream(MergeInput<ChunkedValues> in) {
        return in.base() != null && in.models().size() >= 2 && in.shapesMatchOutput()
                && !FILTER_WISE.flag(in.params());

    }

    @Override
    public void merge(MergeInput<ChunkedValues> in, ChunkWriter out) {
        mergeFlat(in.base(), in.models(), out);
    }

    /**
     * One angle over the whole tensor: its sums run through the elements in order on one thread (one chunk at a
     * time), so they are the same doubles however many threads then write the output.
     */
    private static void mergeFlat(ChunkedValues base, List<ChunkedValues> models, ChunkWriter out) {
        int k = models.size();
        int n = base.length();
        double[] sq = new double[k];
        double[][] dots = new double[k][k];
        float[] b = new float[Chunks.SIZE];
        float[][] x = new float[k][Chunks.SIZE];
        for (int from = 0; from < n; from += Chunks.SIZE) {
            int len = Math.min(Chunks.SIZE, n - from);
            read(base, models, from, len, b, x);
            for (int e = 0; e < len; e++) {
                accumulate(x, b, e, sq, dots);
            }
        }
        double t = weight(sq, dots);
        Chunks.run(n, (c, from, to) -> {
            int len = to - from;
            float[] o = Scratch.buffer(0);
            float[] bc = Scratch.buffer(1);
            float[][] xc = new float[k][];
            for (int i = 0; i < k; i++) {
                xc[i] = Scratch.buffer(2 + i);
            }
            read(base, models, from, len, bc, xc);
            for (int e = 0; e < len; e++) {
                o[e] = stocked(xc, bc, e, t);
            }
            out.write(from, o, len);
        });
    }

    private static void read(ChunkedValues base, List<ChunkedValues> models, int from, int len, float[] b,
                             float[][] x) {
        base.read(from, b, len);
        for (int i = 0; i < x.length; i++) {
            models.get(i).read(from, x[i], len);
        }
    }

    private static void mergeRow(VectorLayout layout, int g, float[] b, float[][] x, float[] out) {
        int k = x.length;
        double[] sq = new double[k];
        double[][] dots = new double[k][k];
        for (int e = 0; e < layout.length(); e++) {
            accumulate(x, b, layout.index(g, e), sq, dots);
        }
        double t = weight(sq, dots);
        for (int e = 0; e < layout.length(); e++) {
            int j = layout.index(g, e);
            out[j] = stocked(x, b, j, t);
        }
    }

    /** Adds element {@code j}'s task-vector squares and pairwise products. */
    private static void accumulate(float[][] x, float[] b, int j, double[] sq, double[][] dots) {
        int k = x.length;
        for (int i = 0; i < k; i++) {
            double di = x[i][j] - b[j];
            sq[i] += di * di;
            for (int m = i + 1; m < k; m++) {
                dots[i][m] += di * (x[m][j] - b[j]);
            }
        }
    }

    /** {@code t = N cos / (1 + (N - 1) cos)} from the mean pairwise cosine. */
    private static double weight(double[] sq, double[][] dots) {
        int k = sq.length;
        double cosSum = 0;
        int pairs = 0;
        for (int i = 0; i < k; i++) {
            for (int m = i + 1; m < k; m++) {
                double denom = Math.max(Math.sqrt(sq[i]) * Math.sqrt(sq[m]), 1e-6);
                cosSum += Math.max(-1, Math.min(1, dots[i][m] / denom));
                pairs++;
            }
        }
        double cos = cosSum / pairs;
        return k * cos / (1 + (k - 1) * cos);
    }

    /** Element {@code j} moved from the base towards the models' mean by {@code t}. */
    private static float stocked(float[][] x, float[] b, int j, double t) {
        float sum = 0f;
        for (float[] xi : x) {
            sum += xi[j];
        }
        float avg = sum / x.length;
        return (float) (t * avg + (1 - t) * b[j]);
    }
}
