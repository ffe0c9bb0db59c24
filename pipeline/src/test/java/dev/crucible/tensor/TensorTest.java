package dev.crucible.tensor;

import dev.crucible.error.CrucibleException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

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
}
