package dev.crucible.task;

/** A two-sided 95% interval; both ends NaN when the sample is too small to give one. */
public record ConfidenceInterval(double low, double high) {

    /** The interval that says "no estimate". */
    public static final ConfidenceInterval NONE = new ConfidenceInterval(Double.NaN, Double.NaN);

    /** The 97.5% quantile of the standard normal distribution. */
    public static final double Z95 = 1.959963984540054;
}
