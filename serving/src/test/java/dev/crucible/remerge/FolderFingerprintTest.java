package dev.crucible.remerge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderFingerprintTest {

    @TempDir
    Path dir;

    @Test
    void changesWithAFilesNameSizeOrModificationTimeOnly() throws Exception {
        Path weights = Files.write(dir.resolve("model.safetensors"), new byte[16]);
        Files.setLastModifiedTime(weights, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
        String first = FolderFingerprint.of(dir);

        assertThat(FolderFingerprint.of(dir)).isEqualTo(first);
        Files.write(weights, new byte[64]);
        Files.setLastModifiedTime(weights, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
        String grown = FolderFingerprint.of(dir);
        assertThat(grown).isNotEqualTo(first);
        Files.setLastModifiedTime(weights, FileTime.from(Instant.parse("2026-01-01T00:00:01Z")));
        String touched = FolderFingerprint.of(dir);
        assertThat(touched).isNotEqualTo(grown);
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/config.json"), "{}");
        assertThat(FolderFingerprint.of(dir)).isNotEqualTo(touched);
        assertThat(FolderFingerprint.of(dir.resolve("missing"))).isEqualTo("absent");
    }
}
