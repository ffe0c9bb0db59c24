package dev.crucible.evolve.cmaes;

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
}
