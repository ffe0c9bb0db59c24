package dev.crucible.stream;

import dev.crucible.tensor.TensorInfo;

import java.lang.foreign.MemorySegment;

/**
 * Where merged tensors go: shards on disk, or a model held in memory. Calls may come from several
 * threads and in any order; {@link #finish()} is called once, after every planned tensor arrived.
 */
public interface TensorSink {

    /** Receives one floating-point tensor as float32; the sink encodes it to {@code info.dtype()}. */
    void accept(TensorInfo info, float[] values);

    /** Receives a tensor copied byte for byte (integers, flags), already in {@code info.dtype()}. */
    void acceptRaw(TensorInfo info, MemorySegment bytes);

    /** Completes the output once every tensor has arrived. */
    void finish();
}
