package dev.crucible.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.error.CrucibleException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokensTest {

    @TempDir
    Path dir;

    @Test
    void theFileWinsOverTheEnvironment() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "  from-file  \nsecond line\n");
        assertThat(AdminTokens.resolve(file, "from-env")).hasValue("from-file");
        assertThat(AdminTokens.resolve(null, " from-env ")).hasValue("from-env");
        assertThat(AdminTokens.resolve(null, "  ")).isEmpty();
        assertThat(AdminTokens.resolve(null, null)).isEmpty();
    }

    @Test
    void anEmptyOrMissingFileIsAUserError() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertThatThrownBy(() -> AdminTokens.resolve(empty, null)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("--admin-token-file").hasMessageContaining("empty");
        assertThatThrownBy(() -> AdminTokens.resolve(dir.resolve("nope"), null)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("nope");
    }

    @Test
    void aWrittenTokenIsReadableByItsOwnerOnly() throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "old");

        AdminTokens.write(file, "s3cret");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(AdminTokens.resolve(file, null)).hasValue("s3cret");
        assertThat(AdminTokens.exposureWarning(file)).isEmpty();
    }

    @Test
    void aTokenFileOthersCanReadIsAcceptedWithAWarning() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "s3cret\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThat(AdminTokens.resolve(file, null)).hasValue("s3cret");
        assertThat(AdminTokens.exposureWarning(file)).hasValue("admin token file " + file
                + " is readable by others (rw-r--r--); chmod 600 it (for a Kubernetes secret, set defaultMode: 0400)");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        assertThat(AdminTokens.exposureWarning(file)).get().asString().contains("readable by its group (rw-r-----)");
    }
}
