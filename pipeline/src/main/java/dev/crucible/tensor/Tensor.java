package dev.crucible.tensor;

import dev.crucible.error.CrucibleException;

import java.lang.foreign.MemorySegment;

/**
 * A tensor's header facts and a view of its raw little-endian bytes (often a slice of a mapped
 * file, so it is valid only while that file is open).
 */
public record Tensor(TensorInfo info, MemorySegment data) {

    public Tensor {
        if (data.byteSize() != info.byteSize()) {
            throw new CrucibleException("tensor " + info.name() + ": " + data.byteSize()
                    + " bytes of data but shape and dtype need " + info.byteSize());
        }
    }

    /** The values as float32, in a fresh array. */
    public float[] toFloats() {
        return FloatCodec.decode(data, info.dtype(), info.elementCount());
    }

    /** A heap-backed tensor holding {@code values} encoded as {@code dtype}. */
    public static Tensor ofFloats(String name, DType dtype, long[] shape, float[] values) {
        TensorInfo info = new TensorInfo(name, dtype, shape);
        if (info.elementCount() != values.length) {
            throw new CrucibleException("tensor " + name + ": " + values.length
                    + " values do not fill shape " + java.util.Arrays.toString(shape));
        }
        return new Tensor(info, MemorySegment.ofArray(FloatCodec.encode(values, dtype)));
    }
}
