package dev.crucible.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.error.CrucibleException;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
