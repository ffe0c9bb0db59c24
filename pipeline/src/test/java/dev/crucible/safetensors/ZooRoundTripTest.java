package dev.crucible.safetensors;

import dev.crucible.tensor.DType;
import dev.crucible.tensor.FloatCodec;
import dev.crucible.tensor.Tensor;
import dev.crucible.tensor.TensorInfo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every zoo checkpoint survives read, write and re-read bit for bit. */
class ZooRoundTripTest {

    static final List<String> models = Zoo.MODELS;

    @TempDir
    Path out;

    @ParameterizedTest
    @FieldSource("models")
    void rewritingAsOneFileIsBitExact(String model) {
        roundTrip(model, Long.MAX_VALUE, 1);
    }

    @ParameterizedTest
    @FieldSource("models")
    void rewritingWithASmallShardBudgetIsBitExact(String model) {
        roundTrip(model, 200_000, 3);
    }

    private void roundTrip(String model, long budget, int minFiles) {
        try (Checkpoint source = Checkpoint.open(Zoo.model(model))) {
            List<TensorInfo> plan = source.infos();
            try (SafetensorsWriter w = SafetensorsWriter.create(out, plan, budget, source.metadata())) {
                // reverse order: the writer must place each tensor by the plan, not by arrival
                for (TensorInfo t : plan.reversed()) {
                    w.write(t.name(), source.tensor(t.name()).data());
                }
                w.finish();
                assertThat(w.files().size()).isGreaterThanOrEqualTo(minFiles);
            }
            try (Checkpoint copy = Checkpoint.open(out)) {
                assertThat(copy.infos()).containsExactlyInAnyOrderElementsOf(plan);
                assertThat(copy.totalBytes()).isEqualTo(source.totalBytes());
                for (TensorInfo t : plan) {
                    MemorySegment a = source.tensor(t.name()).data();
                    MemorySegment b = copy.tensor(t.name()).data();
                    assertThat(a.mismatch(b)).as(t.name()).isEqualTo(-1L);
                }
            }
        }
    }

    @ParameterizedTest
    @FieldSource("models")
    void decodingToFloatAndEncodingBackIsBitExact(String model) {
        try (Checkpoint cp = Checkpoint.open(Zoo.model(model))) {
            for (String name : cp.tensorNames()) {
                Tensor t = cp.tensor(name);
                DType dtype = t.info().dtype();
                assertThat(dtype).isIn(DType.BF16, DType.F16, DType.F32);
                byte[] encoded = FloatCodec.encode(cp.readFloats(name), dtype);
                assertThat(MemorySegment.ofArray(encoded).mismatch(t.data())).as(name).isEqualTo(-1L);
            }
        }
    }

    @ParameterizedTest
    @FieldSource("models")
    void writingFloatsEncodesToThePlannedDtype(String model) {
        try (Checkpoint source = Checkpoint.open(Zoo.model(model))) {
            List<TensorInfo> plan = source.infos();
            try (SafetensorsWriter w = SafetensorsWriter.create(out, plan, Long.MAX_VALUE, Map.of())) {
                for (TensorInfo t : plan) {
                    w.write(t.name(), source.readFloats(t.name()));
                }
                w.finish();
            }
            try (Checkpoint copy = Checkpoint.open(out)) {
                for (TensorInfo t : plan) {
                    assertThat(copy.tensor(t.name()).data().mismatch(source.tensor(t.name()).data()))
                            .as(t.name()).isEqualTo(-1L);
                }
            }
        }
    }
}
