package dev.crucible.evolve.cmaes;

import java.util.Arrays;

/** The separable mode's covariance (Ros and Hansen's sep-CMA): only the variances are learnt, B = I. */
final class DiagonalCovariance implements Covariance {

    private final int n;
    private final double[] diagonal;
    private final double[] axis;

    DiagonalCovariance(double[] diagonal, double[] axis) {
        this.n = diagonal.length;
        this.diagonal = diagonal;
        this.axis = axis;
    }

    static DiagonalCovariance identity(int n) {
        double[] diagonal = new double[n];
        Arrays.fill(diagonal, 1.0);
        double[] axis = new double[n];
        Arrays.fill(axis, 1.0);
        return new DiagonalCovariance(diagonal, axis);
    }

    @Override
    public double[] scaleByRootC(double[] z) {
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = axis[i] * z[i];
        }
        return y;
    }

    @Override
    public double[] whiten(double[] y) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = y[i] / axis[i];
        }
        return out;
    }

    @Override
    public double variance(int i) {
        return diagonal[i];
    }

    @Override
    public void update(double keep, double c1, double cmu, double[] pathC, double[][] y, double[] w) {
        for (int i = 0; i < n; i++) {
            double rankMu = 0;
            for (int r = 0; r < w.length; r++) {
                rankMu += w[r] * y[r][i] * y[r][i];
            }
            diagonal[i] = keep * diagonal[i] + c1 * pathC[i] * pathC[i] + cmu * rankMu;
        }
    }

    @Override
    public void refresh(int runEvaluations, StrategyParameters params) {
        for (int i = 0; i < n; i++) {
            axis[i] = Math.sqrt(Math.max(diagonal[i], Double.MIN_NORMAL));
        }
    }

    @Override
    public double[] axisLengths() {
        return axis.clone();
    }

    @Override
    public double axisDirection(int i, int j) {
        return i == j ? 1 : 0;
    }

    @Override
    public int eigenUpdatedAt() {
        return 0;
    }

    @Override
    public double[][] matrix() {
        return null;
    }

    @Override
    public double[] diagonal() {
        return diagonal.clone();
    }

    @Override
    public double[][] basis() {
        return null;
    }
}
