package dev.crucible.stream;

import dev.crucible.safetensors.ResidentMappings;
import dev.crucible.safetensors.SafetensorsFile;
import dev.crucible.safetensors.SafetensorsWriter;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class MappedValuesTest {

    private static final int ELEMENTS = 1 << 21;
    private static final int CHUNK = 1 << 14;

    @Test
    void aTensorReadThroughOnceLeavesOnlyItsTailResident(@TempDir Path dir) throws Exception {
        assumeTrue(ResidentMappings.available(), "reads the process's memory map from Linux /proc");
        float[] stored = new float[ELEMENTS];
        for (int i = 0; i < ELEMENTS; i++) {
            stored[i] = i * 0.5f;
        }
        TensorInfo info = new TensorInfo("w", DType.F32, new long[] {ELEMENTS});
        try (SafetensorsWriter writer = SafetensorsWriter.create(dir, List.of(info), Long.MAX_VALUE, Map.of())) {
            writer.write("w", stored);
            writer.finish();
        }
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            MappedValues values = new MappedValues("m", file.tensor("w"));
            float[] chunk = new float[CHUNK];
            for (int from = 0; from < ELEMENTS; from += CHUNK) {
                values.read(from, chunk, CHUNK);
                assertThat(chunk[0]).isEqualTo(stored[from]);
                assertThat(chunk[CHUNK - 1]).isEqualTo(stored[from + CHUNK - 1]);
            }
            // 8 MiB were read; what stays mapped in is the last block (1 MiB) and the pages around it.
            assertThat(ResidentMappings.residentBytesUnder(dir)).isLessThan(2L << 20);
        }
    }
}
