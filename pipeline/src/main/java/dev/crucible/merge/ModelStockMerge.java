package dev.crucible.merge;

import dev.crucible.error.CrucibleException;

import java.util.Set;
import java.util.stream.IntStream;

/**
 * Model Stock: moves from the base towards the average of two or more fine-tunes by
 * {@code t = N cos / (1 + (N - 1) cos)}, where {@code cos} is the mean pairwise cosine between their task
 * vectors (each product of norms clamped to at least 1e-6, each cosine to [-1, 1]);
 * {@code out = t mean(x_i) + (1 - t) b}. With {@code filter_wise} the angle is taken per row (last axis)
 * instead of over the whole tensor.
 */
public final class ModelStockMerge implements MergeMethod {

    @Override
    public String name() {
        return "model_stock";
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
        return Set.of("filter_wise");
    }

    @Override
    public void validate(MergeParameters p) {
        if (p.modelCount() < 2) {
            throw new CrucibleException("model_stock: needs at least two models besides the base_model, got "
                    + p.modelCount());
        }
        p.flag("filter_wise", false);
    }

    @Override
    public float[] merge(MergeInput in) {
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
        VectorLayout layout = in.params().flag("filter_wise", false) ? VectorLayout.lastAxis(shape, n) : VectorLayout.flat(n);
        float[] out = new float[n];
        IntStream range = IntStream.range(0, layout.count());
        (n >= Chunks.PARALLEL_MIN && layout.count() > 1 ? range.parallel() : range)
                .forEach(g -> mergeVector(layout, g, b, x, out));
        return out;
    }

    private static void mergeVector(VectorLayout layout, int g, float[] b, float[][] x, float[] out) {
        int k = x.length;
        double[] sq = new double[k];
        double[][] dots = new double[k][k];
        for (int e = 0; e < layout.length(); e++) {
            int j = layout.index(g, e);
            for (int i = 0; i < k; i++) {
                double di = x[i][j] - b[j];
                sq[i] += di * di;
                for (int m = i + 1; m < k; m++) {
                    dots[i][m] += di * (x[m][j] - b[j]);
                }
            }
        }
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
        double t = k * cos / (1 + (k - 1) * cos);
        for (int e = 0; e < layout.length(); e++) {
            int j = layout.index(g, e);
            float sum = 0f;
            for (int i = 0; i < k; i++) {
                sum += x[i][j];
            }
            float avg = sum / k;
            out[j] = (float) (t * avg + (1 - t) * b[j]);
        }
    }
}
