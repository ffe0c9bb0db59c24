package dev.crucible.task;

/**
 * Wilson score interval for a binomial proportion: unlike the normal approximation it stays inside
 * [0, 1] and behaves at 0 and n successes, which matters for experts scoring 0.99.
 */
public final class WilsonInterval {

    private WilsonInterval() {
    }

    /** The 95% interval for {@code successes} out of {@code n}; {@link ConfidenceInterval#NONE} when n is 0. */
    public static ConfidenceInterval of(long successes, long n) {
        return of(successes, n, ConfidenceInterval.Z95);
    }

    /** The interval for {@code successes} out of {@code n} at normal quantile {@code z}. */
    public static ConfidenceInterval of(long successes, long n, double z) {
        if (successes < 0 || successes > n) {
            throw new IllegalArgumentException("successes " + successes + " outside 0.." + n);
        }
        if (n == 0) {
            return ConfidenceInterval.NONE;
        }
        double p = (double) successes / n;
        double z2 = z * z;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denominator;
        double half = z / denominator * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        // Exact at the edges: rounding must not put 0 successes above a low of 0.
        double low = successes == 0 ? 0.0 : Math.max(0.0, centre - half);
        double high = successes == n ? 1.0 : Math.min(1.0, centre + half);
        return new ConfidenceInterval(low, high);
    }
}
