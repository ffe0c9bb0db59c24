package dev.crucible.stream;

import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.FloatCodec;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.lang.foreign.ValueLayout;
import java.util.Locale;

/**
 * Finds NaN and infinite values: in a model's inputs (a NaN that reaches slerp turns the whole tensor NaN) and in
 * the merged output, where a value too large for the output dtype would be stored as infinity (above 65504 for
 * float16). Each check is one pass over values the merge holds anyway (just decoded, or about to be encoded);
 * the common case, nothing found, is an OR over the bit patterns, which the JIT turns into vector instructions.
 */
final class NonFinite {

    private static final int ABS = 0x7FFF_FFFF;
    private static final int F32_INFINITY = 0x7F80_0000;
    // Float32 bit patterns (sign cleared) from which encoding rounds to infinity, ties to even as FloatCodec does.
    private static final int BF16_INFINITY = 0x7F7F_8000;
    private static final int F16_INFINITY = Float.floatToRawIntBits(65520f);
    private static final int CHUNK = 1 << 16;
    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private NonFinite() {
    }

    /** The float32 bit pattern (sign cleared) from which a value is stored as infinity or NaN in {@code dtype}. */
    static int limitBits(DType dtype) {
        return switch (dtype) {
            case BF16 -> BF16_INFINITY;
            case F16 -> F16_INFINITY;
            default -> F32_INFINITY;
        };
    }

    /** Index in {@code values[from, from + count)} of the first value at or over {@code limitBits}, or -1. */
    static int first(float[] values, int from, int count, int limitBits) {
        // (limit - 1 - bits) is negative exactly for the bit patterns at or over the limit; OR-ing them keeps the
        // sign bit, a loop the JIT vectorises (a running maximum it does not, here: 4x slower).
        int below = limitBits - 1;
        int acc = 0;
        int end = from + count;
        for (int i = from; i < end; i++) {
            acc |= below - (Float.floatToRawIntBits(values[i]) & ABS);
        }
        if (acc >= 0) {
            return -1;
        }
        for (int i = from; i < end; i++) {
            if ((Float.floatToRawIntBits(values[i]) & ABS) >= limitBits) {
                return i;
            }
        }
        throw new IllegalStateException("sign found but no element");
    }

    /** Index of the first NaN or infinity among the {@code dtype} values in {@code bytes}, or -1. */
    static long first(MemorySegment bytes, DType dtype) {
        if (!dtype.isFloatingPoint()) {
            return -1;
        }
        long n = bytes.byteSize() / dtype.byteSize();
        float[] chunk = new float[(int) Math.min(CHUNK, n)];
        for (long start = 0; start < n; start += CHUNK) {
            int count = (int) Math.min(CHUNK, n - start);
            if (dtype == DType.BF16 || dtype == DType.F16) {
                // Exponent bits all set is NaN or infinity; no decoding needed.
                int found = firstSixteen(bytes, start, count, dtype == DType.BF16 ? 0x7F80 : 0x7C00);
                if (found >= 0) {
                    return start + found;
                }
                continue;
            }
            FloatCodec.decodeInto(bytes, dtype, chunk, 0, start, count);
            int found = first(chunk, 0, count, F32_INFINITY);
            if (found >= 0) {
                return start + found;
            }
        }
        return -1;
    }

    /** Index of the first 16-bit value whose magnitude bits reach {@code limit} (all exponent bits set), or -1. */
    private static int firstSixteen(MemorySegment bytes, long start, int count, int limit) {
        int below = limit - 1;
        int acc = 0;
        for (int i = 0; i < count; i++) {
            acc |= below - (bytes.get(SHORT_LE, 2 * (start + i)) & 0x7FFF);
        }
        if (acc >= 0) {
            return -1;
        }
        for (int i = 0; i < count; i++) {
            if ((bytes.get(SHORT_LE, 2 * (start + i)) & 0x7FFF) >= limit) {
                return i;
            }
        }
        throw new IllegalStateException("sign found but no element");
    }

    /** The refusal for a non-finite input value. */
    static CrucibleException input(String model, String tensor, long index, float value) {
        return new CrucibleException(model + ": tensor " + tensor + " holds " + describe(value) + " at element "
                + index + "; the merge would carry it into the output (fix or drop that model, or pass"
                + " --allow-nonfinite to merge anyway)");
    }

    /** The refusal for a merged value that is, or would be stored as, NaN or infinity. */
    static CrucibleException output(String tensor, DType dtype, long index, float value) {
        String what = Float.isFinite(value)
                ? String.format(Locale.ROOT, "%g, beyond the range of %s", value, dtype.safetensorsName())
                : describe(value);
        return new CrucibleException("merged tensor " + tensor + " came out " + what + " at element " + index
                + " from finite inputs; change the weights or choose a wider out_dtype (or pass --allow-nonfinite)");
    }

    private static String describe(float value) {
        return Float.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
    }
}
