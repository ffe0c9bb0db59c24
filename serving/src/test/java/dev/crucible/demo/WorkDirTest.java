package dev.crucible.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkDirTest {

    @TempDir
    Path dir;

    private final Path zoo = Path.of("fixtures/zoo");

    @Test
    void createsAMissingFolderAndReusesAnEmptyOne() throws IOException {
        Path fresh = WorkDir.prepare(dir.resolve("a/b"), false, zoo);
        assertThat(fresh).isDirectory().isEqualTo(dir.resolve("a/b"));
        assertThat(WorkDir.prepare(fresh, false, zoo)).isEqualTo(fresh);
    }

    @Test
    void keepsEarlierWorkUnlessForced() throws IOException {
        Path work = Files.createDirectories(dir.resolve("work/merges"));
        Files.writeString(work.resolve("model.safetensors"), "weights");
        Path root = dir.resolve("work");

        assertThatThrownBy(() -> WorkDir.prepare(root, false, zoo)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("is not empty").hasMessageContaining("--force");
        assertThat(work.resolve("model.safetensors")).exists();

        assertThat(WorkDir.prepare(root, true, zoo)).isEmptyDirectory();
    }

    @Test
    void forceDeletesLinksNotWhatTheyPointAt() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("precious.txt"), "keep");
        Path work = Files.createDirectories(dir.resolve("work"));
        Files.createSymbolicLink(work.resolve("link"), outside);

        WorkDir.prepare(work, true, zoo);

        assertThat(work).isEmptyDirectory();
        assertThat(outside.resolve("precious.txt")).hasContent("keep");
    }

    @Test
    void neverEmptiesAFolderHoldingTheZoo() throws IOException {
        Path zooInside = Files.createDirectories(dir.resolve("repo/fixtures/zoo"));

        assertThatThrownBy(() -> WorkDir.prepare(dir.resolve("repo"), true, zooInside))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("holds the zoo");
        assertThat(zooInside).isDirectory();
    }

    @Test
    void freshFoldersAreNamedForTheTimeUnderDemoRun() {
        Path path = WorkDir.fresh(LocalDateTime.of(2026, 11, 27, 12, 5, 9));
        assertThat(path.getParent()).isEqualTo(WorkDir.DEFAULT_PARENT);
        assertThat(path.getFileName().toString()).startsWith("20261127-120509");
    }
}
