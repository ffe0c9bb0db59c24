package dev.crucible.stream;

import dev.crucible.merge.ChunkWriter;

/** One output tensor taken a range at a time (from many threads, disjoint ranges), then completed once. */
public interface TensorWriter extends ChunkWriter {

    /** Called once every element was written; the tensor then counts as delivered. */
    void complete();
}
