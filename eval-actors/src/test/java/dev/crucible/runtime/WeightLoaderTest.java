package dev.crucible.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import dev.crucible.tensor.WeightSource;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tensors are decoded straight into uninitialised torch memory: what a freed earlier tensor left there must never
 * show through (absent parts of a concatenation are zeros), and stacked or concatenated tensors keep their order.
 */
class WeightLoaderTest {

    /** Float32 tensors in a map, read through WeightSource's default readFloatsInto. */
    private record MapWeights(Map<String, float[]> values, Map<String, long[]> shapes) implements WeightSource {

        @Override
        public Collection<String> tensorNames() {
            return values.keySet();
        }

        @Override
        public TensorInfo info(String name) {
            return new TensorInfo(name, DType.F32, shapes.getOrDefault(name, new long[]{values.get(name).length}));
        }

        @Override
        public float[] readFloats(String name) {
            return values.get(name).clone();
        }
    }

    private static float[] ramp(int n, float start) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = start + i;
        }
        return out;
    }

    private static MapWeights weights() {
        Map<String, float[]> m = new LinkedHashMap<>();
        m.put("big", ramp(1000, 100f));
        m.put("a", ramp(3, 1f));
        m.put("b", ramp(2, 10f));
        m.put("r1", ramp(4, 20f));
        m.put("r2", ramp(2, 30f));
        return new MapWeights(m, Map.of("r1", new long[]{2, 2}, "r2", new long[]{1, 2}));
    }

    @Test
    void aSmallTensorAfterABigOneHoldsOnlyItsOwnValues() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            WeightLoader loader = new WeightLoader(weights(), manager, "m");
            NDArray big = loader.load("big", 1000);
            NDArray a = loader.load("a", 3);
            assertThat(a.toFloatArray()).containsExactly(1f, 2f, 3f);
            assertThat(big.toFloatArray()).containsExactly(ramp(1000, 100f));
        }
    }

    @Test
    void absentPartsOfAConcatenationAreZerosNotWhatTheBufferHeldBefore() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            WeightLoader loader = new WeightLoader(weights(), manager, "m");
            loader.load("big", 1000).close();
            NDArray joined = loader.loadConcatenatedOptional(new String[]{"a", "missing", "b"}, new long[]{3, 4, 2});
            assertThat(joined.toFloatArray()).containsExactly(1f, 2f, 3f, 0f, 0f, 0f, 0f, 10f, 11f);
            assertThat(loader.loadConcatenatedOptional(new String[]{"x", "y"}, new long[]{1, 1})).isNull();
        }
    }

    @Test
    void stackedRowsKeepTheirOrder() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            WeightLoader loader = new WeightLoader(weights(), manager, "m");
            loader.load("big", 1000);
            NDArray rows = loader.loadRows(new String[]{"r2", "r1"}, new long[]{1, 2}, 2);
            assertThat(rows.getShape().getShape()).containsExactly(3L, 2L);
            assertThat(rows.toFloatArray()).containsExactly(30f, 31f, 20f, 21f, 22f, 23f);
        }
    }

    @Test
    void aTensorOfAnotherShapeThanTheConfigImpliesIsNamed() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            WeightLoader loader = new WeightLoader(weights(), manager, "m");
            assertThatThrownBy(() -> loader.load("a", 4)).isInstanceOf(CrucibleException.class)
                    .hasMessage("m: tensor 'a' has shape [3], config.json implies [4]");
            assertThatThrownBy(() -> loader.loadRows(new String[]{"r2", "nope"}, new long[]{1, 1}, 2))
                    .isInstanceOf(CrucibleException.class).hasMessageContaining("'nope' is missing");
        }
    }
}
