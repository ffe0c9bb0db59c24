package dev.crucible.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * bfloat16 conversions with the Vector API, several lanes per instruction: the JIT does not vectorise
 * the scalar loops (the bit reinterpretation between int and float stops it), and these two loops are
 * most of a merge's CPU time. Same results as the scalar code in {@link FloatCodec}, bit for bit.
 * Loaded only when the {@code jdk.incubator.vector} module is present (see {@link FloatCodec}).
 */
final class Bf16Vectors {

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    // As many shorts as a float vector has lanes, in half the bits.
    private static final VectorSpecies<Short> SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(FLOATS.vectorBitSize() / 2));
    private static final int LANES = FLOATS.length();

    private static final int EXERCISE_ELEMENTS = 256;
    private static final MemorySegment EXERCISE_BF16 = Arena.ofAuto().allocate(2L * EXERCISE_ELEMENTS);
    private static final float[] EXERCISE_FLOATS = new float[EXERCISE_ELEMENTS];

    static {
        for (int i = 0; i < EXERCISE_ELEMENTS; i++) {
            EXERCISE_FLOATS[i] = (i - 128) * 0.37f;
        }
    }

    private Bf16Vectors() {
    }

    /** One encode and one decode of a small buffer, for {@link VectorWarmup}; returns the values converted. */
    static int exercise() {
        encode(EXERCISE_FLOATS, 0, EXERCISE_ELEMENTS, EXERCISE_BF16, 0);
        decode(EXERCISE_BF16, 0, EXERCISE_FLOATS, 0, EXERCISE_ELEMENTS);
        return 2 * EXERCISE_ELEMENTS;
    }

    /**
     * Whether the vector loops may address {@code segment}: native (mapped) memory or a {@code byte[]};
     * the Vector API refuses heap segments over other array types.
     */
    static boolean supports(MemorySegment segment) {
        return segment.isNative() || segment.heapBase().map(base -> base instanceof byte[]).orElse(false);
    }

    /** Decodes {@code count} bf16 values at {@code byteOffset} of {@code src} into {@code dst[dstOffset..]}. */
    static int decode(MemorySegment src, long byteOffset, float[] dst, int dstOffset, int count) {
        int i = 0;
        for (int bound = count - LANES + 1; i < bound; i += LANES) {
            ShortVector s = ShortVector.fromMemorySegment(SHORTS, src, byteOffset + 2L * i, ByteOrder.LITTLE_ENDIAN);
            IntVector bits = (IntVector) s.convertShape(VectorOperators.S2I, INTS, 0);
            bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOffset + i);
        }
        return i;
    }

    /**
     * Encodes {@code src[off, off + count)} as bf16 at {@code byteOffset} of {@code dst}, rounding to nearest
     * even and quieting NaNs as {@link FloatCodec#floatToBf16} does. Returns how many values it converted
     * (whole vectors); the caller finishes the tail.
     */
    static int encode(float[] src, int off, int count, MemorySegment dst, long byteOffset) {
        int i = 0;
        for (int bound = count - LANES + 1; i < bound; i += LANES) {
            IntVector bits = FloatVector.fromArray(FLOATS, src, off + i).reinterpretAsInts();
            IntVector high = bits.lanewise(VectorOperators.LSHR, 16);
            IntVector rounded = bits.add(high.and(1)).add(0x7FFF).lanewise(VectorOperators.LSHR, 16);
            VectorMask<Integer> nan = bits.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000);
            IntVector result = rounded.blend(high.or(0x0040), nan);
            ((ShortVector) result.convertShape(VectorOperators.I2S, SHORTS, 0))
                    .intoMemorySegment(dst, byteOffset + 2L * i, ByteOrder.LITTLE_ENDIAN);
        }
        return i;
    }
}
