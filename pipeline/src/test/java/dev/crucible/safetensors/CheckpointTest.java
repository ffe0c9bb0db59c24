package dev.crucible.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointTest {

    @TempDir
    Path dir;

    private Path copyOfZoo(String model) throws IOException {
        Path target = dir.resolve(model.replace('/', '_'));
        Files.createDirectories(target);
        try (Stream<Path> s = Files.list(Zoo.model(model))) {
            for (Path p : s.toList()) {
                Path copy = target.resolve(p.getFileName());
                Files.copy(p, copy);
                copy.toFile().setWritable(true);
            }
        }
        return target;
    }

    private static void writeShard(Path file, String... names) throws IOException {
        Path tmp = Files.createTempDirectory(file.getParent(), "w");
        List<TensorInfo> plan = Stream.of(names).map(n -> new TensorInfo(n, DType.U8, new long[]{2})).toList();
        try (SafetensorsWriter w = SafetensorsWriter.create(tmp, plan, Long.MAX_VALUE, Map.of())) {
            for (String n : names) {
                w.write(n, MemorySegment.ofArray(new byte[]{1, 2}));
            }
            w.finish();
        }
        Files.move(tmp.resolve("model.safetensors"), file);
        Files.delete(tmp);
    }

    @Test
    void opensAShardedCheckpointThroughItsIndex() {
        try (Checkpoint cp = Checkpoint.open(Zoo.model("expert-add"))) {
            assertThat(cp.files()).hasSize(2);
            assertThat(cp.tensorNames()).hasSize(39).contains("lm_head.weight", "model.norm.weight");
            assertThat(cp.totalBytes()).isEqualTo(1_509_632L);
            assertThat(cp.fileOf("lm_head.weight").getFileName().toString())
                    .isEqualTo("model-00001-of-00002.safetensors");
            assertThat(cp.info("model.layers.0.mlp.up_proj.weight").shape()).containsExactly(352, 128);
            assertThat(cp.readFloats("model.norm.weight")).hasSize(128);
        }
    }

    @Test
    void acceptsASafetensorsFileGivenDirectly() {
        try (Checkpoint cp = Checkpoint.open(Zoo.model("base").resolve("model.safetensors"))) {
            assertThat(cp.tensorNames()).hasSize(39);
        }
    }

    @Test
    void unknownTensorIsAClearError() {
        try (Checkpoint cp = Checkpoint.open(Zoo.model("base"))) {
            assertThat(cp.contains("model.norm.weight")).isTrue();
            assertThat(cp.contains("nope")).isFalse();
            assertThatThrownBy(() -> cp.info("nope")).isInstanceOf(CrucibleException.class)
                    .hasMessageContaining("no tensor named 'nope'");
        }
    }

    @Test
    void indexNamingAMissingShardIsAnError() throws IOException {
        Path m = copyOfZoo("expert-add");
        Files.delete(m.resolve("model-00002-of-00002.safetensors"));
        assertThatThrownBy(() -> Checkpoint.open(m)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("model-00002-of-00002.safetensors").hasMessageContaining("missing");
    }

    @Test
    void indexPlacingATensorInTheWrongShardIsAnError() throws IOException {
        Path m = copyOfZoo("expert-add");
        ObjectMapper json = new ObjectMapper();
        ObjectNode index = (ObjectNode) json.readTree(m.resolve(Checkpoint.INDEX_FILE).toFile());
        ((ObjectNode) index.get("weight_map")).put("lm_head.weight", "model-00002-of-00002.safetensors");
        json.writeValue(m.resolve(Checkpoint.INDEX_FILE).toFile(), index);
        assertThatThrownBy(() -> Checkpoint.open(m)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("'lm_head.weight'").hasMessageContaining("does not hold it");
    }

    @Test
    void shardTensorMissingFromTheIndexIsAnError() throws IOException {
        Path m = copyOfZoo("expert-add");
        ObjectMapper json = new ObjectMapper();
        ObjectNode index = (ObjectNode) json.readTree(m.resolve(Checkpoint.INDEX_FILE).toFile());
        ((ObjectNode) index.get("weight_map")).remove("model.norm.weight");
        json.writeValue(m.resolve(Checkpoint.INDEX_FILE).toFile(), index);
        assertThatThrownBy(() -> Checkpoint.open(m)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("'model.norm.weight'").hasMessageContaining("does not list");
    }

    @Test
    void indexWithoutWeightMapIsAnError() throws IOException {
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"metadata\":{}}");
        assertThatThrownBy(() -> Checkpoint.open(dir)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("weight_map");
    }

    @Test
    void looseSafetensorsFilesAreReadTogether() throws IOException {
        writeShard(dir.resolve("part-a.safetensors"), "x", "y");
        writeShard(dir.resolve("part-b.safetensors"), "z");
        try (Checkpoint cp = Checkpoint.open(dir)) {
            assertThat(cp.tensorNames()).containsExactly("x", "y", "z");
            assertThat(cp.fileOf("z").getFileName().toString()).isEqualTo("part-b.safetensors");
        }
    }

    @Test
    void theSameTensorInTwoFilesIsAnError() throws IOException {
        writeShard(dir.resolve("part-a.safetensors"), "x");
        writeShard(dir.resolve("part-b.safetensors"), "x");
        assertThatThrownBy(() -> Checkpoint.open(dir)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("'x' appears in both");
    }

    @Test
    void aFolderWithOnlyPickleWeightsIsRefused() throws IOException {
        Files.write(dir.resolve("pytorch_model.bin"), new byte[16]);
        assertThatThrownBy(() -> Checkpoint.open(dir)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("pytorch_model.bin").hasMessageContaining("pickle")
                .hasMessageContaining("safe_serialization=True")
                // AutoModel would drop lm_head and rename the keys: the hint must load the causal LM.
                .hasMessageContaining("from transformers import AutoModelForCausalLM;"
                        + " AutoModelForCausalLM.from_pretrained('DIR')");
    }

    @Test
    void aFolderWithoutWeightsSaysSo() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        assertThatThrownBy(() -> Checkpoint.open(dir)).isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("no weights in " + dir);
        assertThatThrownBy(() -> Checkpoint.open(dir.resolve("absent"))).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("no such model folder");
    }
}
