package dev.crucible.tensor;

import dev.crucible.error.CrucibleException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.function.BooleanSupplier;

/**
 * Exact conversions between every {@link DType} and float32, reading and writing little-endian
 * memory. Narrowing conversions round to nearest, ties to even, as PyTorch does.
 */
public final class FloatCodec {

    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE_LE =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    /** Largest finite float8 e4m3fn value; e4m3fn has no infinity, so larger magnitudes saturate to it. */
    public static final float F8_E4M3_MAX = 448f;

    // 16-bit types are decoded through a short[] staging buffer: the bulk copy handles byte order
    // and the widening loop over plain arrays is one the JIT vectorizes.
    private static final int CHUNK = 8192;
    // One staging buffer per thread: streaming merges decode and encode millions of small ranges.
    private static final ThreadLocal<short[]> STAGING = ThreadLocal.withInitial(() -> new short[CHUNK]);

    /**
     * Whether bf16 conversions use {@link Bf16Vectors}: when the JVM runs with
     * {@code --add-modules jdk.incubator.vector} (the {@code crucible} launcher and the tests do), unless
     * {@code -Dcrucible.simd=false}. Without the module the scalar loops give the same bits, slower.
     */
    public static final boolean SIMD = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !"false".equals(System.getProperty("crucible.simd"));

    // Compiled yet? Only touched when SIMD, so Bf16Vectors (and the incubator module) load only then.
    private static final BooleanSupplier BF16_READY =
            SIMD ? VectorWarmup.start("bf16", Bf16Vectors::exercise) : () -> false;

    private static final float[] F8_E4M3_TABLE = new float[256];
    private static final float[] F8_E5M2_TABLE = new float[256];

    static {
        for (int b = 0; b < 256; b++) {
            F8_E4M3_TABLE[b] = decodeE4m3((byte) b);
            F8_E5M2_TABLE[b] = Float.float16ToFloat((short) (b << 8));
        }
    }

    private FloatCodec() {
    }

    /**
     * Whether bf16 conversions run on the vector kernels now; they do once the JIT has compiled them, a
     * second or two after this class is first used (see {@link VectorWarmup}). Touch it early to start that.
     */
    public static boolean vectorKernelsReady() {
        return BF16_READY.getAsBoolean();
    }

    /** Decodes {@code elementCount} values from the start of {@code src} into a fresh array. */
    public static float[] decode(MemorySegment src, DType dtype, long elementCount) {
        if (elementCount > Integer.MAX_VALUE - 8) {
            throw new CrucibleException("tensor of " + elementCount
                    + " elements is too large for one float array; read it in chunks with decodeInto");
        }
        float[] out = new float[(int) elementCount];
        decodeInto(src, dtype, out, 0, 0, (int) elementCount);
        return out;
    }

    /** Decodes elements {@code [firstElement, firstElement+count)} of {@code src} into {@code dst[dstOffset..]}. */
    public static void decodeInto(MemorySegment src, DType dtype, float[] dst, int dstOffset, long firstElement,
                                  int count) {
        long base = firstElement * dtype.byteSize();
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, FLOAT_LE, base, dst, dstOffset, count);
            case BF16 -> decodeSixteen(src, base, dst, dstOffset, count, true);
            case F16 -> decodeSixteen(src, base, dst, dstOffset, count, false);
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = (float) src.get(DOUBLE_LE, base + 8L * i);
                }
            }
            case F8_E4M3 -> decodeTable(src, base, dst, dstOffset, count, F8_E4M3_TABLE);
            case F8_E5M2 -> decodeTable(src, base, dst, dstOffset, count, F8_E5M2_TABLE);
            case I64 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = (float) src.get(LONG_LE, base + 8L * i);
                }
            }
            case I32 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = (float) src.get(INT_LE, base + 4L * i);
                }
            }
            case I16 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = src.get(SHORT_LE, base + 2L * i);
                }
            }
            case I8 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = src.get(BYTE, base + i);
                }
            }
            case U8 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = src.get(BYTE, base + i) & 0xFF;
                }
            }
            case BOOL -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = src.get(BYTE, base + i) != 0 ? 1f : 0f;
                }
            }
        }
    }

    private static void decodeSixteen(MemorySegment src, long base, float[] dst, int dstOffset, int count,
                                      boolean bf16) {
        int done = 0;
        if (bf16 && SIMD && BF16_READY.getAsBoolean() && Bf16Vectors.supports(src)) {
            done = Bf16Vectors.decode(src, base, dst, dstOffset, count);
        }
        short[] buf = STAGING.get();
        while (done < count) {
            int n = Math.min(buf.length, count - done);
            MemorySegment.copy(src, SHORT_LE, base + 2L * done, buf, 0, n);
            int o = dstOffset + done;
            if (bf16) {
                for (int i = 0; i < n; i++) {
                    dst[o + i] = Float.intBitsToFloat(buf[i] << 16);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    dst[o + i] = Float.float16ToFloat(buf[i]);
                }
            }
            done += n;
        }
    }

    private static void decodeTable(MemorySegment src, long base, float[] dst, int dstOffset, int count,
                                    float[] table) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = table[src.get(BYTE, base + i) & 0xFF];
        }
    }

    /** Encodes {@code src[off..off+count)} as {@code dtype} into {@code dst} starting at {@code dstByteOffset}. */
    public static void encodeInto(float[] src, int off, int count, DType dtype, MemorySegment dst,
                                  long dstByteOffset) {
        long b = dstByteOffset;
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, off, dst, FLOAT_LE, b, count);
            case BF16 -> encodeSixteen(src, off, count, dst, b, true);
            case F16 -> encodeSixteen(src, off, count, dst, b, false);
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(DOUBLE_LE, b + 8L * i, src[off + i]);
                }
            }
            case F8_E4M3 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(BYTE, b + i, floatToF8e4m3(src[off + i]));
                }
            }
            case F8_E5M2 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(BYTE, b + i, floatToF8e5m2(src[off + i]));
                }
            }
            case I64 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(LONG_LE, b + 8L * i, roundToLong(src[off + i], Long.MIN_VALUE, Long.MAX_VALUE));
                }
            }
            case I32 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(INT_LE, b + 4L * i,
                            (int) roundToLong(src[off + i], Integer.MIN_VALUE, Integer.MAX_VALUE));
                }
            }
            case I16 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(SHORT_LE, b + 2L * i, (short) roundToLong(src[off + i], Short.MIN_VALUE, Short.MAX_VALUE));
                }
            }
            case I8 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(BYTE, b + i, (byte) roundToLong(src[off + i], Byte.MIN_VALUE, Byte.MAX_VALUE));
                }
            }
            case U8 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(BYTE, b + i, (byte) roundToLong(src[off + i], 0, 255));
                }
            }
            case BOOL -> {
                for (int i = 0; i < count; i++) {
                    dst.set(BYTE, b + i, src[off + i] != 0f ? (byte) 1 : (byte) 0);
                }
            }
        }
    }

    // Converting into a short[] chunk and copying it in bulk lets the JIT vectorise the rounding loop,
    // which per-element MemorySegment stores prevent.
    private static void encodeSixteen(float[] src, int off, int count, MemorySegment dst, long base,
                                      boolean bf16) {
        int done = 0;
        if (bf16 && SIMD && BF16_READY.getAsBoolean() && Bf16Vectors.supports(dst)) {
            done = Bf16Vectors.encode(src, off, count, dst, base);
        }
        short[] buf = STAGING.get();
        while (done < count) {
            int n = Math.min(buf.length, count - done);
            int o = off + done;
            if (bf16) {
                for (int i = 0; i < n; i++) {
                    buf[i] = floatToBf16(src[o + i]);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    buf[i] = Float.floatToFloat16(src[o + i]);
                }
            }
            MemorySegment.copy(buf, 0, dst, SHORT_LE, base + 2L * done, n);
            done += n;
        }
    }

    /** Encodes all of {@code src} as {@code dtype} into a fresh little-endian byte array. */
    public static byte[] encode(float[] src, DType dtype) {
        byte[] out = new byte[Math.multiplyExact(src.length, dtype.byteSize())];
        encodeInto(src, 0, src.length, dtype, MemorySegment.ofArray(out), 0);
        return out;
    }

    // Integers: round half to even, saturate at the type's range, NaN becomes 0 (like a checked cast).
    private static long roundToLong(float v, long min, long max) {
        if (Float.isNaN(v)) {
            return 0;
        }
        double r = Math.rint(v);
        if (r <= min) {
            return min;
        }
        if (r >= max) {
            return max;
        }
        return (long) r;
    }

    /** bfloat16 bits to float: bfloat16 is the top half of a float32. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** float to bfloat16 bits, rounding to nearest even; NaN stays NaN (quieted, sign and top payload kept). */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** IEEE half bits to float. */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** float to IEEE half bits, rounding to nearest even. */
    public static short floatToF16(float f) {
        return Float.floatToFloat16(f);
    }

    /** float8 e4m3fn (bias 7, no infinities, NaN = S.1111.111) to float. */
    public static float f8e4m3ToFloat(byte bits) {
        return F8_E4M3_TABLE[bits & 0xFF];
    }

    /** float8 e5m2 (IEEE-like, bias 15) to float; it is the top byte of an IEEE half. */
    public static float f8e5m2ToFloat(byte bits) {
        return F8_E5M2_TABLE[bits & 0xFF];
    }

    /** float to float8 e4m3fn, nearest even; magnitudes beyond 448 (infinities included) saturate to ±448. */
    public static byte floatToF8e4m3(float f) {
        return encodeSmallFloat(f, 4, 3, false);
    }

    /** float to float8 e5m2, nearest even; overflow becomes infinity as in IEEE arithmetic. */
    public static byte floatToF8e5m2(float f) {
        return encodeSmallFloat(f, 5, 2, true);
    }

    private static float decodeE4m3(byte b) {
        int exp = (b >>> 3) & 0xF;
        int man = b & 0x7;
        if (exp == 0xF && man == 0x7) {
            return Float.NaN;
        }
        float magnitude = exp == 0 ? man * 0x1p-9f : (1f + man / 8f) * Math.scalb(1f, exp - 7);
        return (b & 0x80) != 0 ? -magnitude : magnitude;
    }

    /**
     * Rounds a float to a sign/exponent/mantissa format of at most 8 bits. Normal results reuse
     * float32's bit layout (add half an ulp with the tie going to even, then shift); subnormal
     * results are an exact scaled integer rounded with {@link Math#rint}.
     */
    private static byte encodeSmallFloat(float f, int expBits, int manBits, boolean hasInfinity) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 24) & 0x80;
        int abs = bits & 0x7FFFFFFF;
        int bias = (1 << (expBits - 1)) - 1;
        int nanCode = hasInfinity ? ((1 << (expBits + manBits)) - 1) & ~((1 << manBits) - 1) | (1 << (manBits - 1))
                : (1 << (expBits + manBits)) - 1;
        int maxFinite = hasInfinity ? ((1 << expBits) - 2) << manBits | ((1 << manBits) - 1)
                : (1 << (expBits + manBits)) - 2;
        int infCode = ((1 << expBits) - 1) << manBits;
        if (abs > 0x7F800000) {
            return (byte) (sign | nanCode);
        }
        if (abs == 0x7F800000) {
            return (byte) (sign | (hasInfinity ? infCode : maxFinite));
        }
        float a = Float.intBitsToFloat(abs);
        int minNormalExp = 1 - bias;
        int code;
        if (a < Math.scalb(1f, minNormalExp)) {
            code = (int) Math.rint(Math.scalb(a, manBits - minNormalExp));
        } else {
            int shift = 23 - manBits;
            int rounded = abs + ((1 << (shift - 1)) - 1) + ((abs >>> shift) & 1);
            code = (rounded >>> shift) - ((127 - bias) << manBits);
        }
        if (code > maxFinite) {
            code = hasInfinity ? infCode : maxFinite;
        }
        return (byte) (sign | code);
    }
}
