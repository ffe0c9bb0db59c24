package dev.crucible.merge.methods;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.MethodDefinition;
import dev.crucible.merge.ParameterDefinition;
import dev.crucible.merge.TensorValues;
import dev.crucible.merge.kernels.Chunks;
import dev.crucible.merge.kernels.KeepMask;
import dev.crucible.merge.kernels.RankSelection;


/**
 * SCE (select, calculate, erase): with {@code select_topk < 1}, only the {@code int(nonzero * select_topk)}
 * positions whose task vectors vary most across models are kept ({@code nonzero} counts positions of
 * non-zero variance, as mergekit does); a TIES sign mask on the unweighted task vectors erases
 * minority signs; each model is weighted by {@code mean(d_i^2) / sum_j mean(d_j^2)} (equal weights when
 * that sum is below 1e-6); {@code out = b + sum w_i d_i m_i / max(sum w_i m_i, 1e-6)}.
 */
public final class SceMerge implements MergeMethod {

    private static final ParameterDefinition SELECT_TOPK = ParameterDefinition.global("select_topk", 1.0);
    private static final ParameterDefinition INT8_MASK = ParameterDefinition.flag("int8_mask", false);

    /** mergekit's {@code sce}: the base and the models, select_topk (int8_mask is accepted and has no effect). */
    public static final MethodDefinition DEFINITION = MethodDefinition.withBase("sce", SELECT_TOPK, INT8_MASK);

    @Override
    public MethodDefinition definition() {
        return DEFINITION;
    }

    @Override
    public void validate(MergeParameters p) {
        double topk = SELECT_TOPK.number(p);
        if (!(topk >= 0 && topk <= 1)) {
            throw new CrucibleException("sce: select_topk must be between 0 and 1 (got " + topk + ")");
        }
        INT8_MASK.flag(p);
    }

    @Override
    public float[] merge(MergeInput<TensorValues> in) {
        if (in.base() == null) {
            throw new CrucibleException("sce: needs a base_model (tensor " + in.tensorName() + ")");
        }
        float[] b = PairInputs.align("sce", in, in.base(), in.outputShape());
        AlignedModels models = AlignedModels.of("sce", in);
        int k = models.size();
        if (k == 0) {
            return b.clone();
        }
        int n = b.length;
        float[][] x = models.values().toArray(new float[0][]);
        KeepMask positions = selectPositions(x, b, SELECT_TOPK.number(in.params())
);
        double[] weight = new double[k];
        double weightSum = 0;
        for (int i = 0; i < k; i++) {
            float[] xi = x[i];
            double sq = Chunks.sum(n, (from, to) -> {
                double s = 0;
                for (int j = from; j < to; j++) {
                    if (positions == null || positions.get(j)) {
                        double d = xi[j] - b[j];
                        s += d * d;
                    }
                }
                return s;
            });
            weight[i] = sq / n;
            weightSum += weight[i];
        }
        float[] w = new float[k];
        for (int i = 0; i < k; i++) {
            w[i] = (float) (Math.abs(weightSum) < 1e-6 ? 1.0 / k : weight[i] / weightSum);
        }
        float[] out = new float[n];
        Chunks.run(n, (c, from, to) -> {
            float[] d = new float[k];
            for (int j = from; j < to; j++) {
                boolean kept = positions == null || positions.get(j);
                float sum = 0f;
                for (int i = 0; i < k; i++) {
                    d[i] = kept ? x[i][j] - b[j] : 0f;
                    sum += d[i];
                }
                boolean positive = sum >= 0f;
                float merged = 0f;
                float divisor = 0f;
                for (int i = 0; i < k; i++) {
                    if (positive ? d[i] > 0f : d[i] < 0f) {
                        merged += d[i] * w[i];
                        divisor += w[i];
                    }
                }
                out[j] = b[j] + merged / Math.max(divisor, 1e-6f);
            }
        });
        return out;
    }

    /** The top-variance positions, or null when all are kept. */
    private static KeepMask selectPositions(float[][] x, float[] b, double topk) {
        int n = b.length;
        if (topk >= 1) {
            return null;
        }
        if (topk <= 0) {
            return new KeepMask(n);
        }
        int k = x.length;
        float[] variance = new float[n];
        Chunks.run(n, (c, from, to) -> {
            for (int j = from; j < to; j++) {
                double mean = 0;
                for (float[] xi : x) {
                    mean += xi[j] - b[j];
                }
                mean /= k;
                double v = 0;
                for (float[] xi : x) {
                    double e = (xi[j] - b[j]) - mean;
                    v += e * e;
                }
                variance[j] = (float) (v / k);
            }
        });
        int nonzero = 0;
        for (float v : variance) {
            if (v != 0f) {
                nonzero++;
            }
        }
        int keep = (int) (nonzero * topk);
        return RankSelection.keepRanks(j -> variance[j], n, n - keep, n, RankSelection.TieOrder.DESCENDING_SORT);
    }
}
