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

    /**
     * Opens a floating-point tensor to receive as float32 ranges instead of one array. This default gathers
     * the ranges into an array and hands it to {@link #accept} on completion; sinks that can place ranges
     * directly (shard files) override it so that no whole-tensor array exists.
     */
    default TensorWriter open(TensorInfo info) {
        float[] values = new float[Math.toIntExact(info.elementCount())];
        return new TensorWriter() {
            @Override
            public void write(int from, float[] chunk, int count) {
                System.arraycopy(chunk, 0, values, from, count);
            }

            @Override
            public void complete() {
                accept(info, values);
            }
        };
    }

    /** Completes the output once every tensor has arrived. */
    void finish();
}
