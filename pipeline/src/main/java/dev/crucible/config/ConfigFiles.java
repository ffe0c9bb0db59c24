package dev.crucible.config;

import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a config file a user names on the command line (a recipe, an evolve, MoE or app config), with the one
 * wording for a missing or unreadable file: {@code FILE: recipe file not found}.
 */
public final class ConfigFiles {

    private ConfigFiles() {
    }

    /** The text of {@code file}; {@code what} names the kind of file in errors ({@code "recipe"}, {@code "app config"}). */
    public static String read(Path file, String what) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new CrucibleException(file + ": " + what + " file not found");
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot read " + what + " file: " + e.getMessage(), e);
        }
    }
}
