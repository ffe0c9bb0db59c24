package dev.crucible.stream;

import dev.crucible.merge.ChunkedValues;
import dev.crucible.tensor.FloatCodec;
import dev.crucible.tensor.Tensor;

/** A stored tensor's values decoded to float32 a range at a time, straight from its (mapped) bytes. */
record MappedValues(String modelName, Tensor tensor) implements ChunkedValues {

    @Override
    public long[] shape() {
        return tensor.info().shape();
    }

    @Override
    public int length() {
        return Math.toIntExact(tensor.info().elementCount());
    }

    @Override
    public void read(int from, float[] dst, int count) {
        FloatCodec.decodeInto(tensor.data(), tensor.info().dtype(), dst, 0, from, count);
    }
}
