package dev.crucible.moe;

/**
 * Settings of {@code gate_mode: calibrated} (the config's optional {@code calibration:} mapping).
 *
 * @param l2            weight of the L2 penalty (l2 / 2 * |W|^2) added to the mean cross-entropy
 * @param maxIterations most L-BFGS iterations per layer
 * @param minAccuracy   per-layer separation accuracy below which a warning is printed
 */
public record CalibrationSettings(double l2, int maxIterations, double minAccuracy) {

    /** The defaults: l2 0.001, 500 iterations, warn below 0.8. */
    public static final CalibrationSettings DEFAULTS = new CalibrationSettings(1e-3, 500, 0.8);
}
