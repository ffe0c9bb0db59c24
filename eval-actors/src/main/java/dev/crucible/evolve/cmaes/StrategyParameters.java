package dev.crucible.evolve.cmaes;

/**
 * The default strategy parameters of Hansen's tutorial for a dimension and population size; with
 * {@code separable} the covariance learning rates grow by (n + 2) / 3 as in Ros and Hansen's sep-CMA.
 */
record StrategyParameters(
        int n, int lambda, int mu, double[] weights, double mueff,
        double cc, double cs, double c1, double cmu, double damps, double chiN) {

    static int defaultPopulationSize(int n) {
        return 4 + (int) Math.floor(3 * Math.log(n));
    }

    static StrategyParameters of(int n, int lambda, boolean separable) {
        int mu = lambda / 2;
        double[] weights = new double[mu];
        double sum = 0;
        for (int i = 0; i < mu; i++) {
            weights[i] = Math.log((lambda + 1) / 2.0) - Math.log(i + 1);
            sum += weights[i];
        }
        double sumSquares = 0;
        for (int i = 0; i < mu; i++) {
            weights[i] /= sum;
            sumSquares += weights[i] * weights[i];
        }
        double mueff = 1 / sumSquares;
        double cc = (4 + mueff / n) / (n + 4 + 2 * mueff / n);
        double cs = (mueff + 2) / (n + mueff + 5);
        double c1 = 2 / ((n + 1.3) * (n + 1.3) + mueff);
        double cmu = Math.min(1 - c1, 2 * (mueff - 2 + 1 / mueff) / ((n + 2.0) * (n + 2.0) + mueff));
        if (separable) {
            double boost = (n + 2) / 3.0;
            c1 = Math.min(1, c1 * boost);
            cmu = Math.min(1 - c1, cmu * boost);
        }
        double damps = 1 + 2 * Math.max(0, Math.sqrt((mueff - 1) / (n + 1)) - 1) + cs;
        double chiN = Math.sqrt(n) * (1 - 1.0 / (4 * n) + 1.0 / (21.0 * n * n));
        return new StrategyParameters(n, lambda, mu, weights, mueff, cc, cs, c1, cmu, damps, chiN);
    }
}
