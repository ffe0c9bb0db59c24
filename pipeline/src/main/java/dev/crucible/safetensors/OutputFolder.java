package dev.crucible.safetensors;

import dev.crucible.error.CrucibleException;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;

/**
 * An output folder that appears all at once: files are written to a hidden staging folder beside
 * the target and renamed into place on {@link #commit()}, so a failed run leaves nothing behind.
 */
public final class OutputFolder implements AutoCloseable {

    private final Path target;
    private final Path staging;
    private final boolean force;
    private boolean committed;

    private OutputFolder(Path target, Path staging, boolean force) {
        this.target = target;
        this.staging = staging;
        this.force = force;
    }

    /** Prepares to write {@code target}; refuses an existing non-empty target unless {@code force}. */
    public static OutputFolder create(Path target, boolean force) {
        Path abs = target.toAbsolutePath().normalize();
        if (Files.exists(abs)) {
            if (!Files.isDirectory(abs)) {
                throw new CrucibleException(target + " exists and is not a folder; choose another output path");
            }
            if (!force && !isEmpty(abs)) {
                throw new CrucibleException(target + " exists and is not empty; use --force to replace it");
            }
        }
        Path parent = abs.getParent();
        Path staging = parent.resolve("." + abs.getFileName() + ".tmp-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            Files.createDirectories(parent);
            Files.createDirectory(staging);
        } catch (IOException e) {
            throw new CrucibleException(parent + ": cannot create output folder (" + e.getMessage() + ")", e);
        }
        return new OutputFolder(abs, staging, force);
    }

    private static boolean isEmpty(Path dir) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        } catch (IOException e) {
            throw new CrucibleException(dir + ": cannot list folder (" + e.getMessage() + ")", e);
        }
    }

    /** Where to write the files before commit. */
    public Path staging() {
        return staging;
    }

    /** The final location. */
    public Path target() {
        return target;
    }

    /** Moves the staged files into place (replacing an old target when forced) and returns the target. */
    public Path commit() {
        if (committed) {
            return target;
        }
        try {
            Path old = null;
            if (Files.exists(target)) {
                if (isEmpty(target)) {
                    Files.delete(target);
                } else if (force) {
                    old = target.resolveSibling("." + target.getFileName() + ".old-"
                            + UUID.randomUUID().toString().substring(0, 8));
                    move(target, old);
                } else {
                    throw new CrucibleException(target + " appeared while writing and is not empty;"
                            + " use --force to replace it");
                }
            }
            move(staging, target);
            committed = true;
            if (old != null) {
                deleteTree(old);
            }
            return target;
        } catch (IOException e) {
            throw new CrucibleException(target + ": cannot move the finished output into place ("
                    + e.getMessage() + ")", e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Deletes the staging folder unless the output was committed. */
    @Override
    public void close() {
        if (!committed) {
            try {
                deleteTree(staging);
            } catch (IOException ignored) {
                // Best effort after a failure; the failure itself is what the user needs to see.
            }
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
