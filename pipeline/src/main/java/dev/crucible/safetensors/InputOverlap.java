package dev.crucible.safetensors;

import dev.crucible.error.CrucibleException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * Refuses an output folder that would touch an input: the input itself, a folder holding an input (replacing it
 * with {@code --force} would delete the input), or a folder inside an input. Paths are compared after resolving
 * symbolic links, so a link to a model folder is recognised as that folder. Every command that writes an output
 * folder checks its target against its inputs with this before it creates anything.
 */
public final class InputOverlap {

    private InputOverlap() {
    }

    /**
     * Throws a one-line {@link CrucibleException} when {@code target} is, holds, or lies inside one of
     * {@code inputs} (model folders or files); {@code what} names the output in the message, e.g. {@code OUT_DIR}.
     */
    public static void refuse(Path target, Collection<Path> inputs, String what) {
        Path out = resolved(target);
        for (Path input : inputs) {
            Path in = resolved(input);
            if (out.equals(in)) {
                throw new CrucibleException(what + " " + target + " is the input " + input
                        + "; write the output to a new folder (an input is never replaced)");
            }
            if (in.startsWith(out)) {
                throw new CrucibleException(what + " " + target + " holds the input " + input
                        + "; writing there would replace it: choose a folder that holds no input");
            }
            if (out.startsWith(in)) {
                throw new CrucibleException(what + " " + target + " lies inside the input " + input
                        + "; write the output outside the input folders");
            }
        }
    }

    /**
     * The path with symbolic links resolved: the real path of its deepest existing ancestor, followed by the
     * part that does not exist yet.
     */
    static Path resolved(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(abs)).normalize();
        } catch (IOException e) {
            throw new CrucibleException(path + ": cannot resolve the path (" + e.getMessage() + ")", e);
        }
    }
}
