package dev.crucible.merge;

/**
 * A merge method that can also merge a tensor a chunk at a time, straight from the (memory-mapped)
 * inputs to the output, with the same result bit for bit as {@link MergeMethod#merge}. Streaming keeps
 * memory at a few chunk buffers per thread and spares the float32 copies of whole tensors.
 */
public interface StreamingMerge {

    /** Whether this tensor can stream; when not (shapes differ, say), the caller uses the array path. */
    boolean canStream(MergeInput<ChunkedValues> input);

    /** Merges every output element into {@code out}, chunks in parallel for large tensors. */
    void merge(MergeInput<ChunkedValues> input, ChunkWriter out);
}
