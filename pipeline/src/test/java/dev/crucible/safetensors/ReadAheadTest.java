package dev.crucible.safetensors;

import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ReadAheadTest {

    private static final long ELEMENTS = 1L << 21;

    /** One float32 tensor of 8 MiB. */
    private static SafetensorsFile eightMebibytes(Path dir) {
        TensorInfo info = new TensorInfo("w", DType.F32, new long[] {ELEMENTS});
        try (SafetensorsWriter writer = SafetensorsWriter.create(dir, List.of(info), Long.MAX_VALUE, Map.of())) {
            writer.write("w", new float[(int) ELEMENTS]);
            writer.finish();
        }
        return SafetensorsFile.open(dir.resolve("model.safetensors"));
    }

    @Test
    void willNeedTakesAnyMappedSliceAndMapsNothingIntoTheProcess(@TempDir Path dir) throws Exception {
        assumeTrue(ResidentMappings.available(), "reads the process's memory map from Linux /proc");
        try (SafetensorsFile file = eightMebibytes(dir)) {
            MemorySegment data = file.tensor("w").data();
            // Tensor data starts anywhere in the file: the advice covers the pages around it.
            assertThat(ReadAhead.willNeed(data.asSlice(3, data.byteSize() - 5))).isTrue();
            assertThat(ResidentMappings.residentBytesUnder(dir)).isLessThan(data.byteSize() / 8);
            data.load();
            assertThat(ResidentMappings.residentBytesUnder(dir)).isGreaterThanOrEqualTo(data.byteSize());
        }
    }

    @Test
    void memoryOutsideAFileMappingIsLeftAlone() {
        assertThat(ReadAhead.willNeed(MemorySegment.ofArray(new byte[4096]))).isFalse();
    }
}
