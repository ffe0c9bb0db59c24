package dev.crucible.merge.sparsify;

import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.kernels.KeepMask;

/**
 * Chooses which elements of a task vector survive (TIES trim, DARE drop, breadcrumbs, DELLA), from values read a
 * range at a time, so that a streamed merge never holds a task vector whole.
 */
public interface Sparsifier {

    /** The kept elements of {@code tuned - base}, both read from their sources as needed. */
    KeepMask select(ChunkedValues tuned, ChunkedValues base);

    /** The kept elements of {@code d}, the same as from streamed values; everything else is zeroed by the caller. */
    default KeepMask select(TaskVector d) {
        return select(ChunkedValues.of("tuned", d.shape(), d.tuned()), ChunkedValues.of("base", d.shape(), d.base()));
    }
}
