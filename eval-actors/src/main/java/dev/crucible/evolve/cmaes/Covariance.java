package dev.crucible.evolve.cmaes;

/**
 * The covariance matrix C of the search distribution with its factors, C = B D^2 B^T (B: the principal axes,
 * D: their lengths): what shapes a sample and whitens a step. The full mode ({@link FullCovariance}) learns the
 * whole matrix and decomposes it lazily; the separable mode ({@link DiagonalCovariance}) learns only the
 * variances, so B is the identity.
 */
sealed interface Covariance permits FullCovariance, DiagonalCovariance {

    /** C = I in {@code n} dimensions, diagonal when {@code separable}. */
    static Covariance identity(int n, boolean separable) {
        return separable ? DiagonalCovariance.identity(n) : FullCovariance.identity(n);
    }

    /** The covariance of a snapshot whose lengths have been checked. */
    static Covariance restore(CmaEsState s) {
        return s.config().separable()
                ? new DiagonalCovariance(s.diagonalCovariance().clone(), s.axisLengths().clone())
                : new FullCovariance(FullCovariance.copy(s.covariance()), FullCovariance.copy(s.eigenBasis()),
                        s.axisLengths().clone(), s.eigenUpdatedAtEvaluation());
    }

    /** B * D * z: a N(0, C) sample from a N(0, I) one. */
    double[] scaleByRootC(double[] z);

    /** C^(-1/2) * y = B * D^-1 * B^T * y. */
    double[] whiten(double[] y);

    /** C[i][i]. */
    double variance(int i);

    /**
     * The rank-one and rank-mu update, {@code C = keep * C + c1 * pc pc^T + cmu * sum_r w[r] y[r] y[r]^T}
     * over the selected steps {@code y} and their weights {@code w}.
     */
    void update(double keep, double c1, double cmu, double[] pathC, double[][] y, double[] w);

    /** Brings B and D up to date with C after an update ({@code runEvaluations}: so far in this run). */
    void refresh(int runEvaluations, StrategyParameters params);

    /** A copy of D, the lengths of the principal axes. */
    double[] axisLengths();

    /** Component {@code i} of principal axis {@code j}, B[i][j]. */
    double axisDirection(int i, int j);

    /** The run evaluation count of the last decomposition (0 where there is none to do). */
    int eigenUpdatedAt();

    /** A copy of the full matrix, or null in the separable mode. */
    double[][] matrix();

    /** A copy of the diagonal in the separable mode, or null in the full mode. */
    double[] diagonal();

    /** A copy of B in the full mode, or null in the separable mode. */
    double[][] basis();
}
