package dev.crucible.moe;

/**
 * Fits one layer's router rows W [experts, hidden] (no bias: Mixtral's router has none) by L2-regularised
 * multinomial logistic regression:
 * <pre>
 *   minimise  sum_i w_i * loss_i(W) / sum_i w_i  +  l2 / 2 * |W|^2
 *   loss_i = -log softmax(W x_i)[e_i]           for a token of expert e_i
 *   loss_i = -log (1 - softmax(W x_i)[e_i])     for a negative prompt's token that must not go to e_i
 * </pre>
 * Why this model: a Mixtral layer routes by exactly softmax(W x) followed by top-k, so maximising the
 * likelihood of the right expert under that softmax fits the router's own decision rule — the top-1 choice
 * is the classifier's prediction, and the renormalised top-k weights are its probabilities. The L2 term
 * keeps W finite when the experts' states are separable (the unpenalised optimum is then at infinity) and
 * so keeps the mixing weights of top-k > 1 from saturating arbitrarily; the objective is strictly convex,
 * so the fit is unique and, from W = 0 with full-batch L-BFGS, deterministic.
 */
public final class SoftmaxRouterFit {

    private SoftmaxRouterFit() {
    }

    /** The fitted rows [experts][hidden]. */
    public static double[][] fit(RouterSamples samples, int experts, double l2, int maxIterations) {
        int h = samples.hidden();
        int n = samples.count();
        double totalWeight = 0;
        for (double w : samples.weight()) {
            totalWeight += w;
        }
        double norm = 1.0 / totalWeight;
        double[] x = new double[experts * h];
        Lbfgs.minimise((w, grad) -> {
            java.util.Arrays.fill(grad, 0);
            double value = 0;
            double[] z = new double[experts];
            double[] p = new double[experts];
            float[] s = samples.states();
            for (int i = 0; i < n; i++) {
                int off = i * h;
                double max = Double.NEGATIVE_INFINITY;
                for (int e = 0; e < experts; e++) {
                    double acc = 0;
                    int wo = e * h;
                    for (int j = 0; j < h; j++) {
                        acc += w[wo + j] * s[off + j];
                    }
                    z[e] = acc;
                    max = Math.max(max, acc);
                }
                double sum = 0;
                for (int e = 0; e < experts; e++) {
                    p[e] = Math.exp(z[e] - max);
                    sum += p[e];
                }
                for (int e = 0; e < experts; e++) {
                    p[e] /= sum;
                }
                int target = samples.expert()[i];
                double wi = samples.weight()[i] * norm;
                if (target >= 0) {
                    value -= wi * (z[target] - max - Math.log(sum));
                    for (int e = 0; e < experts; e++) {
                        double d = wi * (p[e] - (e == target ? 1 : 0));
                        addRow(grad, e * h, d, s, off, h);
                    }
                } else {
                    int not = -1 - target;
                    double rest = Math.max(1 - p[not], 1e-300);
                    value -= wi * Math.log(rest);
                    // d/dz_e of -log(1 - p_not) = p_not ([e == not] - p_e) / (1 - p_not)
                    for (int e = 0; e < experts; e++) {
                        double d = wi * p[not] * ((e == not ? 1 : 0) - p[e]) / rest;
                        addRow(grad, e * h, d, s, off, h);
                    }
                }
            }
            for (int k = 0; k < w.length; k++) {
                value += 0.5 * l2 * w[k] * w[k];
                grad[k] += l2 * w[k];
            }
            return value;
        }, x, maxIterations, 1e-7);
        double[][] rows = new double[experts][h];
        for (int e = 0; e < experts; e++) {
            System.arraycopy(x, e * h, rows[e], 0, h);
        }
        return rows;
    }

    private static void addRow(double[] grad, int at, double d, float[] s, int off, int h) {
        if (d == 0) {
            return;
        }
        for (int j = 0; j < h; j++) {
            grad[at + j] += d * s[off + j];
        }
    }

    /** The fraction of positive rows whose highest router logit is their own expert's. */
    public static double accuracy(double[][] rows, RouterSamples samples) {
        int h = samples.hidden();
        int right = 0;
        int total = 0;
        for (int i = 0; i < samples.count(); i++) {
            int target = samples.expert()[i];
            if (target < 0) {
                continue;
            }
            total++;
            if (top(rows, samples.states(), i * h, h) == target) {
                right++;
            }
        }
        return total == 0 ? 1.0 : (double) right / total;
    }

    /** The expert with the highest logit for the state at {@code off}. */
    public static int top(double[][] rows, float[] states, int off, int h) {
        int best = 0;
        double bestZ = Double.NEGATIVE_INFINITY;
        for (int e = 0; e < rows.length; e++) {
            double z = 0;
            for (int j = 0; j < h; j++) {
                z += rows[e][j] * states[off + j];
            }
            if (z > bestZ) {
                bestZ = z;
                best = e;
            }
        }
        return best;
    }
}
