package dev.crucible.evolve.cmaes;

import dev.crucible.error.CrucibleException;
import java.util.Arrays;

/**
 * Settings of a CMA-ES search. {@code populationSize} null means the default 4 + floor(3 ln n);
 * either bound array may be null (unbounded on that side) and entries may be infinite.
 * {@code separable} selects the diagonal sep-CMA variant for high dimensions; {@code maxRestarts}
 * is the number of IPOP restarts, each doubling the population.
 */
public record CmaEsConfig(
        double[] x0,
        double sigma0,
        Integer populationSize,
        double[] lowerBounds,
        double[] upperBounds,
        boolean separable,
        long seed,
        int maxRestarts,
        double tolFun,
        double tolX) {

    /** Hansen's default function tolerance. */
    public static final double DEFAULT_TOL_FUN = 1e-12;

    /** Upper limit on IPOP restarts: the population doubles each time, and 2^20 times the default is already huge. */
    public static final int MAX_RESTARTS = 20;

    public CmaEsConfig {
        if (x0 == null || x0.length == 0) {
            throw new CrucibleException("cmaes.x0: give at least one initial value");
        }
        x0 = x0.clone();
        lowerBounds = lowerBounds == null ? null : lowerBounds.clone();
        upperBounds = upperBounds == null ? null : upperBounds.clone();
        int n = x0.length;
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(x0[i])) {
                throw new CrucibleException("cmaes.x0[" + i + "] is " + x0[i] + "; initial values must be finite");
            }
        }
        if (!(sigma0 > 0) || !Double.isFinite(sigma0)) {
            throw new CrucibleException("cmaes.sigma0 is " + sigma0 + "; give a positive finite step size");
        }
        if (populationSize != null && populationSize < 2) {
            throw new CrucibleException("cmaes.populationSize is " + populationSize + "; use at least 2 or leave it unset");
        }
        checkBoundLength("lowerBounds", lowerBounds, n);
        checkBoundLength("upperBounds", upperBounds, n);
        for (int i = 0; i < n; i++) {
            double lo = lowerBounds == null ? Double.NEGATIVE_INFINITY : lowerBounds[i];
            double hi = upperBounds == null ? Double.POSITIVE_INFINITY : upperBounds[i];
            if (Double.isNaN(lo) || Double.isNaN(hi) || !(lo < hi)) {
                throw new CrucibleException("cmaes bounds[" + i + "]: lower " + lo + " must be below upper " + hi);
            }
            if (x0[i] < lo || x0[i] > hi) {
                throw new CrucibleException("cmaes.x0[" + i + "] = " + x0[i] + " lies outside [" + lo + ", " + hi + "]");
            }
        }
        if (maxRestarts < 0 || maxRestarts > MAX_RESTARTS) {
            throw new CrucibleException("cmaes.maxRestarts is " + maxRestarts + "; use 0 (no restarts) to "
                    + MAX_RESTARTS + " (each restart doubles the population)");
        }
        if (!(tolFun >= 0) || !(tolX >= 0)) {
            throw new CrucibleException("cmaes.tolFun/tolX are " + tolFun + "/" + tolX + "; tolerances must be >= 0");
        }
    }

    private static void checkBoundLength(String field, double[] bound, int n) {
        if (bound != null && bound.length != n) {
            throw new CrucibleException("cmaes." + field + " has " + bound.length + " values but x0 has " + n);
        }
    }

    /** An unbounded, full-covariance search without restarts and with default tolerances. */
    public static CmaEsConfig of(double[] x0, double sigma0, long seed) {
        return new CmaEsConfig(x0, sigma0, null, null, null, false, seed, 0, DEFAULT_TOL_FUN, 1e-11 * sigma0);
    }

    /** This configuration with a box. */
    public CmaEsConfig withBounds(double[] lower, double[] upper) {
        return new CmaEsConfig(x0, sigma0, populationSize, lower, upper, separable, seed, maxRestarts, tolFun, tolX);
    }

    /** This configuration with the diagonal (sep-CMA) variant switched on or off. */
    public CmaEsConfig withSeparable(boolean sep) {
        return new CmaEsConfig(x0, sigma0, populationSize, lowerBounds, upperBounds, sep, seed, maxRestarts, tolFun, tolX);
    }

    /** This configuration with a number of IPOP restarts. */
    public CmaEsConfig withMaxRestarts(int restarts) {
        return new CmaEsConfig(x0, sigma0, populationSize, lowerBounds, upperBounds, separable, seed, restarts, tolFun, tolX);
    }

    /** This configuration with a fixed initial population size (null for the default). */
    public CmaEsConfig withPopulationSize(Integer lambda) {
        return new CmaEsConfig(x0, sigma0, lambda, lowerBounds, upperBounds, separable, seed, maxRestarts, tolFun, tolX);
    }

    /** This configuration with other stopping tolerances. */
    public CmaEsConfig withTolerances(double fun, double x) {
        return new CmaEsConfig(x0, sigma0, populationSize, lowerBounds, upperBounds, separable, seed, maxRestarts, fun, x);
    }

    /** The search dimension. */
    public int dimension() {
        return x0.length;
    }

    @Override
    public double[] x0() {
        return x0.clone();
    }

    @Override
    public double[] lowerBounds() {
        return lowerBounds == null ? null : lowerBounds.clone();
    }

    @Override
    public double[] upperBounds() {
        return upperBounds == null ? null : upperBounds.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CmaEsConfig c
                && Arrays.equals(c.x0, x0)
                && Double.compare(c.sigma0, sigma0) == 0
                && java.util.Objects.equals(c.populationSize, populationSize)
                && Arrays.equals(c.lowerBounds, lowerBounds)
                && Arrays.equals(c.upperBounds, upperBounds)
                && c.separable == separable
                && c.seed == seed
                && c.maxRestarts == maxRestarts
                && Double.compare(c.tolFun, tolFun) == 0
                && Double.compare(c.tolX, tolX) == 0;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(Arrays.hashCode(x0), sigma0, populationSize, Arrays.hashCode(lowerBounds),
                Arrays.hashCode(upperBounds), separable, seed, maxRestarts, tolFun, tolX);
    }

    @Override
    public String toString() {
        return "CmaEsConfig[x0=" + Arrays.toString(x0) + ", sigma0=" + sigma0 + ", populationSize=" + populationSize
                + ", lowerBounds=" + Arrays.toString(lowerBounds) + ", upperBounds=" + Arrays.toString(upperBounds)
                + ", separable=" + separable + ", seed=" + seed + ", maxRestarts=" + maxRestarts
                + ", tolFun=" + tolFun + ", tolX=" + tolX + "]";
    }
}
