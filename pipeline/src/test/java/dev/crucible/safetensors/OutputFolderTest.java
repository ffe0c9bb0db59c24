package dev.crucible.safetensors;

import dev.crucible.error.CrucibleException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OutputFolderTest {

    @TempDir
    Path root;

    private long entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void commitMovesStagedFilesIntoPlace() throws IOException {
        Path target = root.resolve("out");
        try (OutputFolder out = OutputFolder.create(target, false)) {
            assertThat(out.staging().getParent()).isEqualTo(root);
            assertThat(out.staging().getFileName().toString()).startsWith(".out.tmp-");
            Files.writeString(out.staging().resolve("config.json"), "{}");
            assertThat(out.commit()).isEqualTo(target.toAbsolutePath());
        }
        assertThat(target.resolve("config.json")).hasContent("{}");
        assertThat(entries(root)).isEqualTo(1);
    }

    @Test
    void closingWithoutCommitLeavesNothingBehind() throws IOException {
        Path target = root.resolve("out");
        try (OutputFolder out = OutputFolder.create(target, false)) {
            Files.createDirectories(out.staging().resolve("sub"));
            Files.writeString(out.staging().resolve("sub/x"), "partial");
        }
        assertThat(entries(root)).isZero();
    }

    @Test
    void refusesANonEmptyTargetWithoutForce() throws IOException {
        Path target = root.resolve("out");
        Files.createDirectories(target);
        Files.writeString(target.resolve("old"), "keep");
        assertThatThrownBy(() -> OutputFolder.create(target, false)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("--force").hasMessageContaining("out");
        assertThat(target.resolve("old")).hasContent("keep");
    }

    @Test
    void anEmptyExistingTargetIsFine() throws IOException {
        Path target = root.resolve("out");
        Files.createDirectories(target);
        try (OutputFolder out = OutputFolder.create(target, false)) {
            Files.writeString(out.staging().resolve("a"), "new");
            out.commit();
        }
        assertThat(target.resolve("a")).hasContent("new");
    }

    @Test
    void forceReplacesTheOldTargetCompletely() throws IOException {
        Path target = root.resolve("out");
        Files.createDirectories(target);
        Files.writeString(target.resolve("old"), "stale");
        try (OutputFolder out = OutputFolder.create(target, true)) {
            Files.writeString(out.staging().resolve("new"), "fresh");
            assertThat(target.resolve("old")).exists();
            out.commit();
        }
        assertThat(target.resolve("new")).hasContent("fresh");
        assertThat(target.resolve("old")).doesNotExist();
        assertThat(entries(root)).isEqualTo(1);
    }

    @Test
    void refusesATargetThatIsAFile() throws IOException {
        Path target = root.resolve("out");
        Files.writeString(target, "x");
        assertThatThrownBy(() -> OutputFolder.create(target, true)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("not a folder");
    }

    /** A process id that no longer runs: a finished child's. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    @Test
    void aReplacedOutputWhoseReplacementNeverArrivedIsPutBack() throws Exception {
        Path target = root.resolve("out");
        Path old = Files.createDirectories(root.resolve(".out.old-" + deadPid() + "-0-0123abcd"));
        Files.writeString(old.resolve("config.json"), "previous");
        assertThatThrownBy(() -> OutputFolder.create(target, false)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("--force");
        assertThat(target.resolve("config.json")).hasContent("previous");
        assertThat(entries(root)).isEqualTo(1);
    }

    @Test
    void aReplacedOutputIsDeletedOnceTheNewOneIsInPlace() throws Exception {
        Path target = Files.createDirectories(root.resolve("out"));
        Files.writeString(target.resolve("config.json"), "new");
        Path old = Files.createDirectories(root.resolve(".out.old-" + deadPid() + "-0-0123abcd"));
        Files.writeString(old.resolve("config.json"), "previous");
        try (OutputFolder out = OutputFolder.create(target, true)) {
            assertThat(old).doesNotExist();
        }
        assertThat(target.resolve("config.json")).hasContent("new");
    }

    @Test
    void foldersOfOtherTargetsAndOtherNamesAreNotTouched() throws Exception {
        Path other = Files.createDirectories(root.resolve(".outer.tmp-" + deadPid() + "-0-0123abcd"));
        Path unknown = Files.createDirectories(root.resolve(".out.tmp-something"));
        try (OutputFolder out = OutputFolder.create(root.resolve("out"), false)) {
            assertThat(other).exists();
            assertThat(unknown).exists();
        }
    }

    @Test
    void theRootIsRefusedWithAClearMessage() {
        assertThatThrownBy(() -> OutputFolder.create(Path.of("/"), true)).isInstanceOf(CrucibleException.class)
                .hasMessage("/ is the root of the file system; give a new folder for the output, e.g. /merged");
    }

    @Test
    void aTargetOverlappingAnInputIsRefusedBeforeAnythingIsCreated() throws IOException {
        Path model = Files.createDirectories(root.resolve("models/base"));
        Files.writeString(model.resolve("config.json"), "{}");
        for (Path target : new Path[] {model, root.resolve("models"), model.resolve("inner")}) {
            assertThatThrownBy(() -> OutputFolder.create(target, true, java.util.List.of(model)))
                    .isInstanceOf(CrucibleException.class).hasMessageContaining(model.toString());
        }
        assertThat(entries(root)).isEqualTo(1);
        assertThat(entries(root.resolve("models"))).isEqualTo(1);
        assertThat(entries(model)).isEqualTo(1);
    }
}
