package dev.crucible.merge;

/**
 * One model's part in a task-arithmetic merge: its values, the elements it keeps (as a mask or a magnitude
 * threshold; both null: all), its weight and its L1 rescale factor.
 */
record TaskVectorContribution(ChunkedValues x, KeepMask mask, MagnitudeThreshold threshold, float weight,
                              float scale) {
}
