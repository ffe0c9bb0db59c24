package dev.crucible.task;

import dev.crucible.fixtures.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The zoo's task files, and a helper to write small task files for tests. */
public final class TaskFiles {

    private TaskFiles() {
    }

    /** The tiny model zoo. */
    public static Path zoo() {
        return Fixtures.zoo();
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
