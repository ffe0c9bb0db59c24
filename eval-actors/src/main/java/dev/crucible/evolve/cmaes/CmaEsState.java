package dev.crucible.evolve.cmaes;

import dev.crucible.error.CrucibleException;
import java.util.List;

/**
 * Everything a {@link CmaEs} needs to continue exactly where it stopped, including the random
 * generator and the outstanding generation; serialisable with Jackson. Full mode fills
 * {@code covariance} and {@code eigenBasis}, separable mode fills {@code diagonalCovariance}.
 * The arrays belong to this snapshot: {@link CmaEs} copies them in both directions.
 */
public record CmaEsState(
        int formatVersion,
        CmaEsConfig config,
        int populationSize,
        int generation,
        int runGeneration,
        int evaluations,
        int runEvaluations,
        int restarts,
        int eigenUpdatedAtEvaluation,
        int nextCandidateId,
        double[] mean,
        double sigma,
        double[][] covariance,
        double[] diagonalCovariance,
        double[][] eigenBasis,
        double[] axisLengths,
        double[] pathC,
        double[] pathSigma,
        double[] bestHistory,
        double[] medianHistory,
        long[] rngState,
        boolean hasSpareGaussian,
        double spareGaussian,
        List<PendingSample> pending,
        Best best,
        boolean stopped,
        StopReason stopReason,
        StopReason lastRunStopReason) {

    /** The layout {@link CmaEs} writes and reads; a change to it needs a new number. */
    static final int FORMAT = 1;

    /**
     * Throws when a search cannot continue from this snapshot: another format, no config, or arrays that do not
     * fit the config's dimension and mode.
     */
    void requireConsistent() {
        if (config == null) {
            throw new CrucibleException("CMA-ES state: the config is missing");
        }
        if (formatVersion != FORMAT) {
            throw new CrucibleException("CMA-ES state: formatVersion " + formatVersion + " is not supported (expected " + FORMAT + ")");
        }
        int n = config.dimension();
        requireLength("mean", mean, n);
        requireLength("axisLengths", axisLengths, n);
        requireLength("pathC", pathC, n);
        requireLength("pathSigma", pathSigma, n);
        if (config.separable()) {
            requireLength("diagonalCovariance", diagonalCovariance, n);
        } else {
            requireSquare("covariance", covariance, n);
            requireSquare("eigenBasis", eigenBasis, n);
        }
        if (rngState == null || rngState.length != 4) {
            throw new CrucibleException("CMA-ES state: rngState must hold 4 numbers");
        }
        if (populationSize < 2) {
            throw new CrucibleException("CMA-ES state: populationSize " + populationSize + " must be at least 2");
        }
        for (PendingSample p : pending == null ? List.<PendingSample>of() : pending) {
            requireLength("pending.raw", p.raw(), n);
            requireLength("pending.repaired", p.repaired(), n);
        }
    }

    private static void requireLength(String field, double[] values, int n) {
        if (values == null || values.length != n) {
            throw new CrucibleException("CMA-ES state: " + field + " must hold " + n + " values");
        }
    }

    private static void requireSquare(String field, double[][] values, int n) {
        if (values == null || values.length != n) {
            throw new CrucibleException("CMA-ES state: " + field + " must be a " + n + "x" + n + " matrix");
        }
        for (double[] row : values) {
            requireLength(field + " row", row, n);
        }
    }
}
