package dev.crucible.tensor;

import dev.crucible.error.CrucibleException;

import java.lang.foreign.MemorySegment;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;

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
     * that no whole-tensor array is made (loading a model into native memory needs none). Chunks of a large
     * tensor are decoded on all cores, each into its own range of {@code dst}.
     */
    public void decodeInto(FloatBuffer dst) {
        long n = info.elementCount();
        int start = dst.position();
        if (start + n > dst.limit()) {
            throw new IllegalArgumentException(info.name() + ": " + n + " values do not fit the buffer");
        }
        int chunks = (int) ((n + DECODE_CHUNK - 1) / DECODE_CHUNK);
        IntStream.range(0, chunks).parallel().forEach(c -> {
            long at = (long) c * DECODE_CHUNK;
            int count = (int) Math.min(DECODE_CHUNK, n - at);
            float[] chunk = new float[count];
            FloatCodec.decodeInto(data, info.dtype(), chunk, 0, at, count);
            // Absolute puts into disjoint ranges: no chunk touches the buffer's position.
            dst.put((int) (start + at), chunk, 0, count);
        });
        dst.position((int) (start + n));
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
