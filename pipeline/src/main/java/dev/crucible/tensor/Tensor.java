package dev.crucible.tensor;

import dev.crucible.error.CrucibleException;

import java.lang.foreign.MemorySegment;
import java.nio.FloatBuffer;

/**
 * A tensor's header facts and a view of its raw little-endian bytes (often a slice of a mapped
 * file, so it is valid only while that file is open).
 */
public record Tensor(TensorInfo info, MemorySegment data) {

    // Values decoded per step of decodeInto: small enough to stay in the young generation.
    private static final int DECODE_CHUNK = 1 << 16;

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

    /**
     * Writes the values as float32 into {@code dst} from its position on, advancing it, a chunk at a time, so
     * that no whole-tensor array is made (loading a model into native memory needs none).
     */
    public void decodeInto(FloatBuffer dst) {
        long n = info.elementCount();
        float[] chunk = new float[(int) Math.min(n, DECODE_CHUNK)];
        for (long at = 0; at < n; at += chunk.length) {
            int count = (int) Math.min(chunk.length, n - at);
            FloatCodec.decodeInto(data, info.dtype(), chunk, 0, at, count);
            dst.put(chunk, 0, count);
        }
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
