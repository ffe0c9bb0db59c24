package dev.crucible.stream;

import dev.crucible.tensor.DType;
import dev.crucible.tensor.FloatCodec;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

/** Where NaN and infinities are found, and which finite float32 values become infinite in the output dtype. */
class NonFiniteTest {

    private static int first(DType dtype, float... values) {
        return NonFinite.first(values, 0, values.length, NonFinite.limitBits(dtype));
    }

    @Test
    void findsTheFirstNaNOrInfinity() {
        float[] v = new float[1000];
        assertThat(first(DType.F32, v)).isEqualTo(-1);
        v[700] = Float.NEGATIVE_INFINITY;
        v[900] = Float.NaN;
        assertThat(first(DType.F32, v)).isEqualTo(700);
        assertThat(first(DType.F32, Float.MAX_VALUE, -Float.MAX_VALUE)).isEqualTo(-1);
        assertThat(first(DType.F32, 1f, Float.intBitsToFloat(0xFFC00001))).isEqualTo(1);
    }

    /** float16's largest value is 65504; from 65520 on, round-to-nearest-even gives infinity. */
    @Test
    void float16OverflowStartsAt65520() {
        assertThat(first(DType.F16, 65504f, -65519.99f)).isEqualTo(-1);
        assertThat(first(DType.F16, 1f, -65520f)).isEqualTo(1);
        assertThat(FloatCodec.encode(new float[] {65519.99f, 65520f}, DType.F16))
                .containsExactly(0xFF, 0x7B, 0x00, 0x7C);
    }

    /** bfloat16's largest value is 0x7F7F (3.3895e38); float32 patterns from 0x7F7F8000 round to infinity. */
    @Test
    void bfloat16OverflowStartsHalfwayAboveItsLargestValue() {
        float last = Float.intBitsToFloat(0x7F7F7FFF);
        float tie = Float.intBitsToFloat(0x7F7F8000);
        assertThat(first(DType.BF16, last)).isEqualTo(-1);
        assertThat(first(DType.BF16, tie)).isZero();
        assertThat(FloatCodec.encode(new float[] {last, tie}, DType.BF16))
                .containsExactly(0x7F, 0x7F, 0x80, 0x7F);
    }

    @Test
    void findsNaNAndInfinityInStoredBytesWithoutDecoding() {
        float[] v = new float[200_000];
        v[150_001] = Float.POSITIVE_INFINITY;
        for (DType dtype : new DType[] {DType.BF16, DType.F16, DType.F32, DType.F64}) {
            assertThat(NonFinite.first(MemorySegment.ofArray(FloatCodec.encode(new float[70_000], dtype)), dtype))
                    .as(dtype.name()).isEqualTo(-1);
            assertThat(NonFinite.first(MemorySegment.ofArray(FloatCodec.encode(v, dtype)), dtype))
                    .as(dtype.name()).isEqualTo(150_001);
        }
        assertThat(NonFinite.first(MemorySegment.ofArray(new byte[] {1, 2, 3, 4}), DType.I32)).isEqualTo(-1);
    }
}
