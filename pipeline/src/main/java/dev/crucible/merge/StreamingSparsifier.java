package dev.crucible.merge;

/**
 * A {@link Sparsifier} that can also choose from values read a range at a time, so that a streamed merge never
 * holds a task vector whole; it keeps exactly the elements {@link #select(TaskVector)} would.
 */
public interface StreamingSparsifier extends Sparsifier {

    /** The kept elements of {@code tuned - base}, both read from their sources as needed. */
    KeepMask select(ChunkedValues tuned, ChunkedValues base);
}
