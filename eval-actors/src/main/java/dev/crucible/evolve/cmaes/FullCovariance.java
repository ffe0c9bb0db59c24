package dev.crucible.evolve.cmaes;

import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/** The full covariance matrix, with its eigen-decomposition refreshed lazily as in Hansen's tutorial. */
final class FullCovariance implements Covariance {

    private final int n;
    private final double[][] matrix;
    private final double[][] basis;
    private final double[] axis;
    private int eigenUpdatedAt;

    FullCovariance(double[][] matrix, double[][] basis, double[] axis, int eigenUpdatedAt) {
        this.n = matrix.length;
        this.matrix = matrix;
        this.basis = basis;
        this.axis = axis;
        this.eigenUpdatedAt = eigenUpdatedAt;
    }

    static FullCovariance identity(int n) {
        double[] axis = new double[n];
        Arrays.fill(axis, 1.0);
        return new FullCovariance(identityMatrix(n), identityMatrix(n), axis, 0);
    }

    private static double[][] identityMatrix(int n) {
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            m[i][i] = 1;
        }
        return m;
    }

    @Override
    public double[] scaleByRootC(double[] z) {
        double[] y = new double[n];
        double[] dz = new double[n];
        for (int j = 0; j < n; j++) {
            dz[j] = axis[j] * z[j];
        }
        for (int i = 0; i < n; i++) {
            double sum = 0;
            double[] row = basis[i];
            for (int j = 0; j < n; j++) {
                sum += row[j] * dz[j];
            }
            y[i] = sum;
        }
        return y;
    }

    @Override
    public double[] whiten(double[] y) {
        double[] out = new double[n];
        double[] t = new double[n];
        for (int j = 0; j < n; j++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += basis[i][j] * y[i];
            }
            t[j] = sum / axis[j];
        }
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += basis[i][j] * t[j];
            }
            out[i] = sum;
        }
        return out;
    }

    @Override
    public double variance(int i) {
        return matrix[i][i];
    }

    @Override
    public void update(double keep, double c1, double cmu, double[] pathC, double[][] y, double[] w) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double rankMu = 0;
                for (int r = 0; r < w.length; r++) {
                    rankMu += w[r] * y[r][i] * y[r][j];
                }
                double v = keep * matrix[i][j] + c1 * pathC[i] * pathC[j] + cmu * rankMu;
                matrix[i][j] = v;
                matrix[j][i] = v;
            }
        }
    }

    @Override
    public void refresh(int runEvaluations, StrategyParameters params) {
        // Lazy update as in the tutorial: the O(n^3) decomposition every lambda/(c1+cmu)/n/10 evaluations.
        if (runEvaluations - eigenUpdatedAt <= params.lambda() / (params.c1() + params.cmu()) / n / 10) {
            return;
        }
        eigenUpdatedAt = runEvaluations;
        DMatrixRMaj c = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                c.set(i, j, 0.5 * (matrix[i][j] + matrix[j][i]));
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
        if (!eig.decompose(c)) {
            return;
        }
        for (int j = 0; j < n; j++) {
            DMatrixRMaj v = eig.getEigenVector(j);
            double norm = 0;
            for (int i = 0; i < n; i++) {
                norm += v.get(i, 0) * v.get(i, 0);
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < n; i++) {
                basis[i][j] = v.get(i, 0) / norm;
            }
            axis[j] = Math.sqrt(Math.max(eig.getEigenvalue(j).getReal(), Double.MIN_NORMAL));
        }
    }

    @Override
    public double[] axisLengths() {
        return axis.clone();
    }

    @Override
    public double axisDirection(int i, int j) {
        return basis[i][j];
    }

    @Override
    public int eigenUpdatedAt() {
        return eigenUpdatedAt;
    }

    @Override
    public double[][] matrix() {
        return copy(matrix);
    }

    @Override
    public double[] diagonal() {
        return null;
    }

    @Override
    public double[][] basis() {
        return copy(basis);
    }

    static double[][] copy(double[][] m) {
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i].clone();
        }
        return out;
    }
}
