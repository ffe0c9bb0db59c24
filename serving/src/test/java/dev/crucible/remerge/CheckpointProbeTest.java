package dev.crucible.remerge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.error.CrucibleException;
import dev.crucible.fixtures.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointProbeTest {

    private static final String INDEX = """
            {"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}
            """;

    @Test
    void aShardedCheckpointIsCompleteOnlyWithEveryShardItsIndexNames(@TempDir Path dir) throws Exception {
        assertThat(CheckpointProbe.probe(dir)).isEqualTo(new CheckpointProbe.Incomplete("config.json"));
        Files.writeString(dir.resolve("config.json"), "{}");
        assertThat(CheckpointProbe.probe(dir)).isInstanceOf(CheckpointProbe.Incomplete.class);
        Files.writeString(dir.resolve("model.safetensors.index.json"), INDEX);
        Files.write(dir.resolve("model-00001-of-00002.safetensors"), new byte[16]);
        assertThat(CheckpointProbe.probe(dir)).isEqualTo(new CheckpointProbe.Incomplete("model-00002-of-00002.safetensors"));
        Files.write(dir.resolve("model-00002-of-00002.safetensors"), new byte[16]);

        assertThat(CheckpointProbe.probe(dir)).isInstanceOf(CheckpointProbe.Complete.class);
    }

    @Test
    void aHalfWrittenIndexCountsAsIncomplete(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{}");
        Files.writeString(dir.resolve("model.safetensors.index.json"), INDEX.substring(0, 30));

        assertThat(CheckpointProbe.probe(dir)).isEqualTo(new CheckpointProbe.Incomplete("a readable model.safetensors.index.json"));
    }

    @Test
    void theZooBaseIsComplete() {
        Path zoo = Fixtures.zoo();

        assertThat(CheckpointProbe.probe(zoo.resolve("base"))).isInstanceOf(CheckpointProbe.Complete.class);
        assertThat(CheckpointProbe.probe(zoo.resolve("expert-add"))).isInstanceOf(CheckpointProbe.Complete.class);
    }
}
