package dev.crucible.safetensors;

import dev.crucible.error.CrucibleException;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An output folder that appears all at once: files are written to a hidden staging folder beside
 * the target and renamed into place on {@link #commit()}, so a failed run leaves nothing behind.
 *
 * <p>The target may never be, hold, or lie inside an input ({@link InputOverlap}). The staging folder's name
 * records the owning process ({@link StagingName}); it is removed when the run fails, when the JVM is stopped
 * (SIGTERM, SIGINT: a shutdown hook), and otherwise (kill -9, power cut) by the next run into the same target
 * once its owner is gone.
 */
public final class OutputFolder implements AutoCloseable {

    /** Folders not yet committed or closed, removed by the shutdown hook if the JVM stops first. */
    private static final Set<OutputFolder> OPEN = ConcurrentHashMap.newKeySet();
    private static final int DELETE_ATTEMPTS = 5;

    static {
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(OutputFolder::abandonAll, "crucible-output-cleanup"));
        } catch (IllegalStateException stopping) {
            // First used while the JVM is already stopping: create() refuses below, nothing is staged.
        }
    }

    private final Path target;
    private final Path staging;
    private final boolean force;
    private boolean committed;
    private boolean closed;

    private OutputFolder(Path target, Path staging, boolean force) {
        this.target = target;
        this.staging = staging;
        this.force = force;
    }

    /**
     * Prepares to write {@code target} from {@code inputs} (model folders or files read by the command): refuses a
     * target that is, holds or lies inside an input, and an existing non-empty target unless {@code force}.
     */
    public static OutputFolder create(Path target, boolean force, Collection<Path> inputs) {
        refuseWhileStopping();
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null || abs.getFileName() == null) {
            throw new CrucibleException(target + " is the root of the file system; give a new folder for the output,"
                    + " e.g. " + abs.resolve("merged"));
        }
        InputOverlap.refuse(target, inputs, "output folder");
        removeStale(parent, abs.getFileName().toString(), abs);
        if (Files.exists(abs)) {
            if (!Files.isDirectory(abs)) {
                throw new CrucibleException(target + " exists and is not a folder; choose another output path");
            }
            if (!force && !isEmpty(abs)) {
                throw new CrucibleException(target + " exists and is not empty; use --force to replace it");
            }
        }
        Path staging = parent.resolve(StagingName.ours(abs.getFileName().toString(), StagingName.STAGING).fileName());
        try {
            Files.createDirectories(parent);
            Files.createDirectory(staging);
        } catch (IOException e) {
            throw new CrucibleException(parent + ": cannot create output folder (" + e.getMessage() + ")", e);
        }
        OutputFolder folder = new OutputFolder(abs, staging, force);
        OPEN.add(folder);
        return folder;
    }

    /** A folder staged once the shutdown hook has run would never be removed: refuse to stage one. */
    private static void refuseWhileStopping() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
        } catch (IllegalStateException stopping) {
            throw new CrucibleException("the process is stopping; no output is started");
        }
    }

    /** As {@link #create(Path, boolean, Collection)} for an output made from no input folder. */
    public static OutputFolder create(Path target, boolean force) {
        return create(target, force, List.of());
    }

    /**
     * Removes the staging folders of {@code name} left by processes that are gone; an older output whose
     * replacement never arrived (the owner died between the two renames of a commit) is put back in place.
     */
    private static void removeStale(Path parent, String name, Path target) {
        if (!Files.isDirectory(parent)) {
            return;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(parent, "." + name + ".*")) {
            for (Path p : s) {
                Optional<StagingName> owner = StagingName.parse(name, p);
                if (owner.isEmpty() || owner.get().ownerAlive()) {
                    continue;
                }
                if (owner.get().kind().equals(StagingName.REPLACED) && !Files.exists(target)) {
                    move(p, target);
                } else {
                    deleteTree(p);
                }
            }
        } catch (IOException e) {
            throw new CrucibleException(parent + ": cannot remove what an earlier, interrupted run left behind ("
                    + e.getMessage() + ")", e);
        }
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
        Path old = null;
        synchronized (this) {
            if (committed) {
                return target;
            }
            if (closed) {
                throw new CrucibleException(target + ": the output was abandoned (the process is stopping)");
            }
            try {
                if (Files.exists(target)) {
                    if (isEmpty(target)) {
                        Files.delete(target);
                    } else if (force) {
                        old = target.resolveSibling(StagingName.ours(target.getFileName().toString(),
                                StagingName.REPLACED).fileName());
                        move(target, old);
                    } else {
                        throw new CrucibleException(target + " appeared while writing and is not empty;"
                                + " use --force to replace it");
                    }
                }
                move(staging, target);
                committed = true;
                OPEN.remove(this);
            } catch (IOException e) {
                throw new CrucibleException(target + ": cannot move the finished output into place ("
                        + e.getMessage() + ")", e);
            }
        }
        if (old != null) {
            try {
                deleteTree(old);
            } catch (IOException e) {
                throw new CrucibleException(old + ": the new output is in place but the old one could not be"
                        + " removed (" + e.getMessage() + ")", e);
            }
        }
        return target;
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
        abandon();
    }

    /** Deletes the staging folder unless committed; also what the shutdown hook does. */
    private synchronized void abandon() {
        OPEN.remove(this);
        if (committed || closed) {
            return;
        }
        closed = true;
        // Writer threads may still add files while the JVM stops: try again until the folder is gone.
        for (int attempt = 1; attempt <= DELETE_ATTEMPTS; attempt++) {
            try {
                deleteTree(staging);
                return;
            } catch (IOException ignored) {
                // Best effort after a failure; the failure itself is what the user needs to see.
            }
        }
    }

    private static void abandonAll() {
        for (OutputFolder folder : List.copyOf(OPEN)) {
            folder.abandon();
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null && !(exc instanceof NoSuchFileException)) {
                    throw exc;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
