package dev.crucible.merge.methods;

import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.kernels.KeepMask;
import dev.crucible.merge.kernels.MagnitudeThreshold;

/**
 * One model's part in a task-arithmetic merge: its values, the elements it keeps (as a mask or a magnitude
 * threshold; both null: all), its weight and its L1 rescale factor.
 */
record TaskVectorContribution(ChunkedValues x, KeepMask mask, MagnitudeThreshold threshold, float weight,
                              float scale) {
}
