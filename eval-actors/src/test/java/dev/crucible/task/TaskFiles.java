package dev.crucible.task;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the shared fixtures are, and a helper to write small task files for tests. */
public final class TaskFiles {

    private TaskFiles() {
    }

    /** The shared folder: system property {@code crucible.shared}, else {@code ../shared}. */
    public static Path shared() {
        String property = System.getProperty("crucible.shared");
        return Path.of(property != null ? property : "../shared").toAbsolutePath().normalize();
    }

    /** The tiny model zoo. */
    public static Path zoo() {
        return shared().resolve("fixtures/zoo");
    }

    /** Writes {@code lines} to {@code dir/name} and returns the path. */
    public static Path write(Path dir, String name, String... lines) {
        try {
            return Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
