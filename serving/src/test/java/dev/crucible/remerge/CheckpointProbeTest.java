package dev.crucible.remerge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.error.CrucibleException;
import dev.crucible.fixtures.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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

    @Test
    void waiterReturnsOnlyAfterTheFilesStopChanging(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{}");
        Path weights = dir.resolve("model.safetensors");
        Files.write(weights, new byte[8]);
        CompletionWaiter waiter = new CompletionWaiter(Duration.ofMillis(400), Duration.ofMillis(20), Duration.ofSeconds(20));

        long start = System.nanoTime();
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> waiter.await(dir));
        for (int i = 1; i <= 4; i++) {
            Thread.sleep(150);
            Files.write(weights, new byte[8 + i]);
        }
        waiting.get(10, TimeUnit.SECONDS);
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(waitedMillis).isGreaterThanOrEqualTo(600 + 400);
    }

    @Test
    void waiterGivesUpNamingWhatIsMissing(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{}");
        CompletionWaiter waiter = new CompletionWaiter(Duration.ZERO, Duration.ofMillis(10), Duration.ofMillis(50));

        assertThatThrownBy(() -> waiter.await(dir))
                .isInstanceOf(CrucibleException.class)
                .hasMessageContaining("not a complete checkpoint")
                .hasMessageContaining("still missing model.safetensors");
    }
}
