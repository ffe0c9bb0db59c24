package dev.crucible.merge.methods;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.MethodDefinition;
import dev.crucible.merge.ParameterDefinition;
import dev.crucible.merge.TensorValues;
import dev.crucible.merge.kernels.Chunks;

import java.util.ArrayList;
import java.util.List;

/**
 * Karcher (Riemannian) mean on the unit sphere of the flattened tensors of all sources (the base, when
 * given, is one of them), with equal weights as in mergekit, which ignores {@code weight}. Starting from
 * the normalised average direction, each of at most {@code max_iter} (10) steps maps the points to the
 * tangent space (log map), averages there and maps back (exp map), stopping when the tangent mean is
 * below {@code tol} (1e-5). Sources with norm at or below {@code tol} do not vote on the direction. The
 * result is scaled by the mean norm of all sources.
 */
public final class KarcherMerge implements MergeMethod {

    private static final ParameterDefinition MAX_ITER = ParameterDefinition.global("max_iter", 10.0);
    private static final ParameterDefinition TOL = ParameterDefinition.global("tol", 1e-5);

    /** mergekit's {@code karcher}: max_iter and tol; no weights. */
    public static final MethodDefinition DEFINITION = MethodDefinition.baseOptional("karcher", MAX_ITER, TOL);

    @Override
    public MethodDefinition definition() {
        return DEFINITION;
    }

    @Override
    public void validate(MergeParameters p) {
        double maxIter = MAX_ITER.number(p);
        if (!(maxIter >= 1) || maxIter != Math.rint(maxIter)) {
            throw new CrucibleException("karcher: max_iter must be a positive whole number (got " + maxIter + ")");
        }
        double tol = TOL.number(p);
        if (!(tol > 0)) {
            throw new CrucibleException("karcher: tol must be > 0 (got " + tol + ")");
        }
    }

    @Override
    public float[] merge(MergeInput<TensorValues> in) {
        MergeParameters p = in.params();
        int maxIter = (int) MAX_ITER.number(p);
        double tol = TOL.number(p);

        List<float[]> sources = new ArrayList<>();
        if (in.base() != null) {
            sources.add(PairInputs.align("karcher", in, in.base(), in.outputShape()));
        }
        sources.addAll(AlignedModels.of("karcher", in).values());
        if (sources.isEmpty()) {
            throw new CrucibleException("karcher: no source has tensor " + in.tensorName());
        }
        if (sources.size() == 1) {
            return sources.get(0).clone();
        }
        int n = in.outputLength();
        int count = sources.size();
        double[] norms = new double[count];
        List<float[]> valid = new ArrayList<>();
        List<Double> validNorms = new ArrayList<>();
        double scale = 0;
        for (int i = 0; i < count; i++) {
            float[] s = sources.get(i);
            norms[i] = Math.sqrt(Chunks.sum(n, (a, b) -> SlerpMerge.dot(s, s, a, b)));
            scale += norms[i] / count;
            if (norms[i] > tol) {
                valid.add(s);
                validNorms.add(norms[i]);
            }
        }
        if (valid.isEmpty()) {
            return new float[n];
        }
        int k = valid.size();
        double alpha = 1.0 / k;
        double[] inv = new double[k];
        for (int i = 0; i < k; i++) {
            inv[i] = 1.0 / validNorms.get(i);
        }
        float[] mean = new float[n];
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int i = 0; i < k; i++) {
                s += alpha * valid.get(i)[j] * inv[i];
            }
            mean[j] = (float) s;
        }
        double meanNorm = norm(mean);
        if (meanNorm < tol) {
            float[] first = valid.get(0);
            for (int j = 0; j < n; j++) {
                mean[j] = (float) (first[j] * inv[0]);
            }
        } else {
            scaleInPlace(mean, 1.0 / meanNorm);
        }
        float[] tangent = new float[n];
        double[] coef = new double[k];
        double[] cosines = new double[k];
        for (int iter = 0; iter < maxIter; iter++) {
            for (int i = 0; i < k; i++) {
                float[] x = valid.get(i);
                double dot = Chunks.sum(n, (a, b) -> SlerpMerge.dot(x, mean, a, b)) * inv[i];
                double cos = Math.max(-1, Math.min(1, dot));
                double theta = Math.acos(cos);
                cosines[i] = cos;
                coef[i] = theta < tol ? 0 : alpha * theta / Math.sin(theta);
            }
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int i = 0; i < k; i++) {
                    if (coef[i] != 0) {
                        s += coef[i] * (valid.get(i)[j] * inv[i] - cosines[i] * mean[j]);
                    }
                }
                tangent[j] = (float) s;
            }
            double tNorm = norm(tangent);
            if (tNorm < tol) {
                break;
            }
            double c = Math.cos(tNorm);
            double sRatio = Math.sin(tNorm) / tNorm;
            for (int j = 0; j < n; j++) {
                mean[j] = (float) (c * mean[j] + sRatio * tangent[j]);
            }
            double unitNorm = norm(mean);
            if (unitNorm > tol) {
                scaleInPlace(mean, 1.0 / unitNorm);
            }
        }
        scaleInPlace(mean, scale);
        return mean;
    }

    private static double norm(float[] v) {
        return Math.sqrt(Chunks.sum(v.length, (a, b) -> SlerpMerge.dot(v, v, a, b)));
    }

    private static void scaleInPlace(float[] v, double f) {
        for (int j = 0; j < v.length; j++) {
            v[j] = (float) (v[j] * f);
        }
    }
}
