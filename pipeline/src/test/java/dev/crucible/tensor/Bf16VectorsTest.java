package dev.crucible.tensor;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class Bf16VectorsTest {

    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void testsRunWithTheVectorModuleSoTheFastPathIsTheOneProved() {
        assertThat(FloatCodec.SIMD).isTrue();
    }

    @Test
    void warmupHandsTheCodecToTheVectorKernelsOnceCompiled() throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!FloatCodec.vectorKernelsReady() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(FloatCodec.vectorKernelsReady()).isTrue();
    }

    @Test
    void vectorDecodeOfEveryBf16PatternIsTheUpperHalfOfAFloat() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(2L * 65536 + 1);
            // Odd byte offset: mapped tensors need not be aligned.
            for (int b = 0; b < 65536; b++) {
                src.set(SHORT_LE, 1 + 2L * b, (short) b);
            }
            float[] dst = new float[65536 + 3];
            int done = Bf16Vectors.decode(src, 1, dst, 3, 65536);
            assertThat(done).isEqualTo(65536);
            for (int b = 0; b < 65536; b++) {
                assertThat(Float.floatToRawIntBits(dst[3 + b])).isEqualTo(b << 16);
            }
        }
    }

    @Test
    void vectorEncodeMatchesTheScalarRoundingOnSpecialValues() {
        List<Float> specials = List.of(0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
                Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
                Float.intBitsToFloat(0x7FC00001), Float.intBitsToFloat(0xFF800001), Float.intBitsToFloat(0x7F7FFFFF),
                Float.intBitsToFloat(0x3F808000), Float.intBitsToFloat(0x3F818000), Float.intBitsToFloat(0x3F807FFF),
                Float.intBitsToFloat(0x7F7F8000), Float.intBitsToFloat(0x0000FFFF), Float.intBitsToFloat(0x80008000));
        float[] values = new float[specials.size() * 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = specials.get(i % specials.size());
        }
        assertEncodesLikeScalar(values, 0, values.length);
    }

    @Property(tries = 300)
    void vectorEncodeMatchesTheScalarRoundingForAnyBits(@ForAll @Size(min = 1, max = 200) int[] bits,
                                                        @ForAll @IntRange(min = 0, max = 7) int offset) {
        float[] values = new float[bits.length + offset];
        for (int i = 0; i < bits.length; i++) {
            values[offset + i] = Float.intBitsToFloat(bits[i]);
        }
        assertEncodesLikeScalar(values, offset, bits.length);
    }

    @Test
    void heapSegmentsOverOtherArraysAreLeftToTheScalarLoops() {
        assertThat(Bf16Vectors.supports(MemorySegment.ofArray(new byte[4]))).isTrue();
        assertThat(Bf16Vectors.supports(MemorySegment.ofArray(new short[4]))).isFalse();
        float[] out = FloatCodec.decode(MemorySegment.ofArray(new short[] {0x3F80, (short) 0xC000}), DType.BF16, 2);
        assertThat(out).containsExactly(1f, -2f);
    }

    /** Encodes through the codec (vector body, scalar tail) and compares each code with {@link FloatCodec#floatToBf16}. */
    private static void assertEncodesLikeScalar(float[] values, int offset, int count) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(2L * count + 1);
            FloatCodec.encodeInto(values, offset, count, DType.BF16, dst, 1);
            for (int i = 0; i < count; i++) {
                short expected = FloatCodec.floatToBf16(values[offset + i]);
                assertThat(dst.get(SHORT_LE, 1 + 2L * i)).as("bits %08x", Float.floatToRawIntBits(values[offset + i]))
                        .isEqualTo(expected);
            }
        }
    }
}
