package dev.crucible.merge.methods;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.MethodDefinition;
import dev.crucible.merge.ParameterDefinition;
import dev.crucible.merge.Shapes;
import dev.crucible.merge.TensorValues;
import dev.crucible.merge.kernels.Chunks;


/**
 * Multi-model SLERP: a weighted spherical mean of two or more flattened tensors (their task vectors
 * when a base is given, the base added back after). Unit vectors {@code u_i = x_i / (|x_i| + eps)},
 * mean direction {@code m = normalize(sum w_i u_i)}, tangent {@code T = sum w_i (u_i - (u_i.m) m)},
 * {@code out = (m cos|T| + T sin|T| / |T|) * sum w_i |x_i|} with {@code |T|} including {@code eps} as in
 * mergekit. Weights are normalised to sum 1 when {@code normalize_weights} (default true). When the
 * weighted unit vectors cancel, two models fall back to their weighted sum and more are an error.
 */
public final class MultiSlerpMerge implements MergeMethod {

    private static final ParameterDefinition NORMALIZE_WEIGHTS = ParameterDefinition.flag("normalize_weights", true);
    private static final ParameterDefinition EPS = ParameterDefinition.global("eps", 1e-8);

    /** mergekit's {@code multislerp}: weight per model, normalize_weights, eps. */
    public static final MethodDefinition DEFINITION = MethodDefinition.baseOptional("multislerp",
            ParameterDefinition.WEIGHT, NORMALIZE_WEIGHTS, EPS);

    @Override
    public MethodDefinition definition() {
        return DEFINITION;
    }

    @Override
    public void validate(MergeParameters p) {
        WeightChecks.requireNormalisableWeights("multislerp", p, NORMALIZE_WEIGHTS);
        double eps = EPS.number(p);
        if (!(eps > 0)) {
            throw new CrucibleException("multislerp: eps must be > 0 (got " + eps + ")");
        }
    }

    @Override
    public float[] merge(MergeInput<TensorValues> in) {
        MergeParameters p = in.params();
        long[] shape = in.outputShape();
        AlignedModels models = AlignedModels.of("multislerp", in);
        if (models.size() == 0) {
            throw new CrucibleException("multislerp: no model has tensor " + in.tensorName() + " in the output shape "
                    + Shapes.text(shape));
        }
        if (models.size() == 1) {
            return models.get(0).clone();
        }
        float[] base = in.base() == null ? null : PairInputs.align("multislerp", in, in.base(), shape);
        double eps = EPS.number(p);
        int k = models.size();
        int n = in.outputLength();
        float[][] v = new float[k][];
        double[] w = new double[k];
        double wSum = 0;
        for (int i = 0; i < k; i++) {
            v[i] = base == null ? models.get(i) : NuSlerpMerge.minus(models.get(i), base);
            w[i] = ParameterDefinition.WEIGHT.number(p, models.indices()[i]);
            wSum += w[i];
        }
        if (NORMALIZE_WEIGHTS.flag(p)) {

            for (int i = 0; i < k; i++) {
                w[i] /= wSum;
            }
        }
        double[] inv = new double[k];
        double avgNorm = 0;
        for (int i = 0; i < k; i++) {
            float[] vi = v[i];
            double norm = Math.sqrt(Chunks.sum(n, (a, b) -> SlerpMerge.dot(vi, vi, a, b)));
            inv[i] = 1.0 / (norm + eps);
            avgNorm += norm * w[i];
        }
        float[] mean = new float[n];
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int i = 0; i < k; i++) {
                s += w[i] * v[i][j] * inv[i];
            }
            mean[j] = (float) s;
        }
        double meanNorm = Math.sqrt(Chunks.sum(n, (a, b) -> SlerpMerge.dot(mean, mean, a, b)));
        float[] out = new float[n];
        if (meanNorm < eps) {
            if (k != 2) {
                throw new CrucibleException("multislerp: the models' directions cancel out for tensor " + in.tensorName()
                        + "; change the weights or use fewer models");
            }
            for (int j = 0; j < n; j++) {
                out[j] = (float) (v[0][j] * w[0] + v[1][j] * w[1]);
            }
        } else {
            double[] dots = new double[k];
            for (int j = 0; j < n; j++) {
                mean[j] = (float) (mean[j] / meanNorm);
            }
            for (int i = 0; i < k; i++) {
                float[] vi = v[i];
                dots[i] = Chunks.sum(n, (a, b) -> SlerpMerge.dot(vi, mean, a, b)) * inv[i];
            }
            float[] tangent = out;
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int i = 0; i < k; i++) {
                    s += w[i] * (v[i][j] * inv[i] - dots[i] * mean[j]);
                }
                tangent[j] = (float) s;
            }
            double tNorm = Math.sqrt(Chunks.sum(n, (a, b) -> SlerpMerge.dot(tangent, tangent, a, b))) + eps;
            double cos = Math.cos(tNorm);
            double sinRatio = Math.sin(tNorm) / tNorm;
            for (int j = 0; j < n; j++) {
                out[j] = (float) ((mean[j] * cos + tangent[j] * sinRatio) * avgNorm);
            }
        }
        if (base != null) {
            for (int j = 0; j < n; j++) {
                out[j] += base[j];
            }
        }
        return out;
    }
}
