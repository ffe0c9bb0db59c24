package dev.crucible.tensor;

import dev.crucible.error.CrucibleException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TensorTest {

    @Test
    void ofFloatsEncodesAndToFloatsDecodes() {
        Tensor t = Tensor.ofFloats("w", DType.BF16, new long[]{2, 2}, new float[]{1f, -2f, 0.5f, 3f});
        assertThat(t.data().byteSize()).isEqualTo(8);
        assertThat(t.toFloats()).containsExactly(1f, -2f, 0.5f, 3f);
    }

    @Test
    void ofFloatsRefusesValuesThatDoNotFillTheShape() {
        assertThatThrownBy(() -> Tensor.ofFloats("w", DType.F32, new long[]{3}, new float[2]))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("w");
    }

    @Test
    void dataMustMatchShapeAndDtype() {
        TensorInfo info = new TensorInfo("w", DType.F16, new long[]{4});
        assertThatThrownBy(() -> new Tensor(info, MemorySegment.ofArray(new byte[6])))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("need 8");
    }

    @Test
    void decodeIntoAppendsEveryChunkAfterWhatTheBufferHolds() {
        int n = 200_003; // several decode chunks and a ragged last one
        SplittableRandom random = new SplittableRandom(7);
        short[] raw = new short[n];
        byte[] bytes = new byte[2 * n];
        for (int i = 0; i < n; i++) {
            do {
                raw[i] = (short) random.nextInt(1 << 16);
            } while ((raw[i] & 0x7f80) == 0x7f80); // finite values: NaN payloads need not survive a float copy
            bytes[2 * i] = (byte) raw[i];
            bytes[2 * i + 1] = (byte) (raw[i] >> 8);
        }
        Tensor t = new Tensor(new TensorInfo("w", DType.BF16, new long[]{n}), MemorySegment.ofArray(bytes));
        FloatBuffer dst = ByteBuffer.allocateDirect(4 * (n + 3)).order(ByteOrder.nativeOrder()).asFloatBuffer();
        dst.put(new float[]{9f, 8f, 7f});

        t.decodeInto(dst);

        assertThat(dst.position()).isEqualTo(n + 3);
        assertThat(dst.get(0)).isEqualTo(9f);
        assertThat(dst.get(2)).isEqualTo(7f);
        for (int i = 0; i < n; i++) {
            // bf16 is the high half of a float32: the reference widens the bits by hand.
            float expected = Float.intBitsToFloat((raw[i] & 0xffff) << 16);
            assertThat(Float.floatToRawIntBits(dst.get(3 + i))).as("element %d", i)
                    .isEqualTo(Float.floatToRawIntBits(expected));
        }
    }
}
