package dev.crucible.remerge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The clock is passed in, so "stable for 2 s" and "give up after 10 s" are checked without waiting. */
class BaseWatchTest {

    static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;

    BaseWatch watch() {
        return new BaseWatch(dir, Duration.ofSeconds(2), Duration.ofSeconds(10), 0, Instant.EPOCH);
    }

    @Test
    void aCompleteCheckpointIsReadyOnlyAfterItsFilesStayUnchangedForStableFor() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{}");
        Path weights = dir.resolve("model.safetensors");
        Files.write(weights, new byte[8]);
        BaseWatch watch = watch();

        assertThat(watch.check(0)).isEqualTo(new BaseWatch.Waiting("complete, files unchanged for 0.0 s of the 2.0 s required"));
        assertThat(watch.check(SECOND)).isEqualTo(new BaseWatch.Waiting("complete, files unchanged for 1.0 s of the 2.0 s required"));
        // The copy goes on: the clock of stability starts again.
        Files.write(weights, new byte[9]);
        assertThat(watch.check(SECOND + SECOND / 2)).isInstanceOf(BaseWatch.Waiting.class);
        assertThat(watch.check(3 * SECOND)).isInstanceOf(BaseWatch.Waiting.class);
        assertThat(watch.check(3 * SECOND + SECOND / 2)).isInstanceOf(BaseWatch.Ready.class);
    }

    @Test
    void anIncompleteFolderSaysWhatIsMissingAndIsGivenUpOnAfterGiveUpAfter() throws Exception {
        BaseWatch watch = watch();

        assertThat(watch.check(SECOND)).isEqualTo(new BaseWatch.Waiting("still missing config.json"));
        assertThat(watch.status()).isEqualTo("still missing config.json");
        Files.writeString(dir.resolve("config.json"), "{}");
        assertThat(watch.check(10 * SECOND)).isEqualTo(new BaseWatch.GaveUp(dir + ": not a complete checkpoint after 10 s "
                + "(still missing model.safetensors (or model.safetensors.index.json and its shards))"));
    }

    @Test
    void aDeletedFolderIsGone() throws Exception {
        BaseWatch watch = watch();
        Files.delete(dir);

        assertThat(watch.check(SECOND)).isInstanceOf(BaseWatch.Gone.class);
    }
}
