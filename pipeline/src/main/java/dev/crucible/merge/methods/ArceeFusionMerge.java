package dev.crucible.merge.methods;

import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.MethodDefinition;
import dev.crucible.merge.TensorValues;
import dev.crucible.merge.kernels.Chunks;
import dev.crucible.merge.kernels.Select;

import java.util.stream.IntStream;

/**
 * Arcee fusion: keeps the other model's change only where it matters. Importance per element is
 * {@code |b - a| * KL(softmax(b) || softmax(a))} with the softmaxes (plus 1e-8) taken along the last axis
 * ({@code a} the base, {@code b} the other model); elements with importance {@code >= median + 1.5 IQR}
 * take {@code b}, the rest keep {@code a}. The median and quartiles are order statistics at index
 * {@code floor(q (n - 1))} of the sorted scores, without interpolation, as mergekit's
 * {@code DynamicThresholdFusion.approximate_quantiles} takes them ({@code mergekit/merge_methods/arcee_fusion.py}).
 * Unlike mergekit, which takes them from a random sample of 10^6 elements of bigger tensors, they are taken
 * over the whole tensor here (O(n) selection), so results are deterministic.
 */
public final class ArceeFusionMerge implements MergeMethod {

    private static final double SOFTMAX_EPS = 1e-8;

    /** mergekit's {@code arcee_fusion}: the base and one model, no parameters. */
    public static final MethodDefinition DEFINITION = MethodDefinition.withBase("arcee_fusion");

    @Override
    public MethodDefinition definition() {
        return DEFINITION;
    }


    @Override
    public void validate(MergeParameters p) {
        PairInputs.requireOneModel("arcee_fusion", p);
    }

    @Override
    public float[] merge(MergeInput<TensorValues> in) {
        PairInputs pair = PairInputs.of("arcee_fusion", in);
        float[] a = pair.base();
        float[] b = pair.other();
        int n = a.length;
        if (n == 0) {
            return new float[0];
        }
        long[] shape = pair.shape();
        int row = shape.length == 0 ? 1 : Math.toIntExact(shape[shape.length - 1]);
        float[] importance = new float[n];
        int rows = row == 0 ? 0 : n / row;
        IntStream range = IntStream.range(0, rows);
        (n >= Chunks.PARALLEL_MIN ? range.parallel() : range).forEach(r -> rowImportance(a, b, r * row, row, importance));
        float threshold = threshold(importance);
        float[] out = new float[n];
        for (int j = 0; j < n; j++) {
            out[j] = importance[j] >= threshold ? a[j] + (b[j] - a[j]) : a[j];
        }
        return out;
    }

    private static void rowImportance(float[] a, float[] b, int start, int len, float[] importance) {
        double maxA = Double.NEGATIVE_INFINITY;
        double maxB = Double.NEGATIVE_INFINITY;
        for (int j = start; j < start + len; j++) {
            maxA = Math.max(maxA, a[j]);
            maxB = Math.max(maxB, b[j]);
        }
        double sumA = 0;
        double sumB = 0;
        for (int j = start; j < start + len; j++) {
            sumA += Math.exp(a[j] - maxA);
            sumB += Math.exp(b[j] - maxB);
        }
        double kl = 0;
        for (int j = start; j < start + len; j++) {
            double p = Math.exp(b[j] - maxB) / sumB + SOFTMAX_EPS;
            double q = Math.exp(a[j] - maxA) / sumA + SOFTMAX_EPS;
            kl += p * Math.log(p / q);
        }
        for (int j = start; j < start + len; j++) {
            importance[j] = (float) (Math.abs(b[j] - a[j]) * kl);
        }
    }

    /** {@code median + 1.5 (q3 - q1)} of the importance scores. */
    static float threshold(float[] importance) {
        int n = importance.length;
        float[] scratch = importance.clone();
        float median = quantile(scratch, 0.5);
        float q1 = quantile(scratch, 0.25);
        float q3 = quantile(scratch, 0.75);
        // mergekit computes the threshold in the tensor's dtype: median + 1.5 * iqr
        return median + 1.5f * (q3 - q1);
    }

    /** The order statistic at {@code floor(q (n - 1))}, as mergekit's {@code approximate_quantiles} indexes it. */
    private static float quantile(float[] scratch, double q) {
        int n = scratch.length;
        return Select.kth(scratch, 0, n, (int) Math.floor(q * (n - 1)));
    }
}
