package dev.crucible.app;

/**
 * The {@code gates:} section: when a re-merged candidate may replace the champion.
 *
 * @param maxTaskDrop largest loss on any single task still accepted (0.02 = two points of accuracy)
 * @param minMeanGain how much the mean over tasks must improve; 0 means "not lower"
 */
public record GateSettings(double maxTaskDrop, double minMeanGain) {}
