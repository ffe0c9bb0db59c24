package dev.crucible.evolve.cmaes;

/**
 * The search box. Samples are repaired by clipping into the box; the ranking then adds a penalty
 * proportional to the squared clipping distance (see {@link CmaEs}), which pulls the mean back
 * when it drifts outside while the evaluated point always stays inside.
 */
final class BoxBounds {

    private final double[] lower;
    private final double[] upper;
    private final boolean bounded;
    private final boolean finite;

    BoxBounds(CmaEsConfig config) {
        int n = config.dimension();
        double[] lo = config.lowerBounds();
        double[] hi = config.upperBounds();
        lower = new double[n];
        upper = new double[n];
        boolean anyBound = false;
        boolean allFinite = true;
        for (int i = 0; i < n; i++) {
            lower[i] = lo == null ? Double.NEGATIVE_INFINITY : lo[i];
            upper[i] = hi == null ? Double.POSITIVE_INFINITY : hi[i];
            anyBound |= Double.isFinite(lower[i]) || Double.isFinite(upper[i]);
            allFinite &= Double.isFinite(lower[i]) && Double.isFinite(upper[i]);
        }
        bounded = anyBound;
        finite = allFinite;
    }

    boolean isBounded() {
        return bounded;
    }

    /** Whether every coordinate has both bounds, so uniform sampling in the box is possible. */
    boolean isFinite() {
        return finite;
    }

    double[] clip(double[] x) {
        double[] out = x.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.min(upper[i], Math.max(lower[i], out[i]));
        }
        return out;
    }

    /** A point drawn uniformly from the box; only meaningful when {@link #isFinite()}. */
    double[] uniform(Xoshiro256StarStar rng) {
        double[] out = new double[lower.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = lower[i] + rng.nextDouble() * (upper[i] - lower[i]);
        }
        return out;
    }

    static double squaredDistance(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }
}
