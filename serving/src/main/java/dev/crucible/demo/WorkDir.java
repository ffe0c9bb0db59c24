package dev.crucible.demo;

import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.stream.Stream;

/** Chooses and prepares the folder a demo run writes everything into, refusing to clobber earlier work. */
public final class WorkDir {

    /** Where runs go when no {@code --work} is given: one fresh sub-folder per run. */
    public static final Path DEFAULT_PARENT = Path.of("demo-run");

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private WorkDir() {
    }

    /** A fresh folder under {@link #DEFAULT_PARENT} named for {@code now} (suffixed when taken). */
    public static Path fresh(LocalDateTime now) {
        Path candidate = DEFAULT_PARENT.resolve(STAMP.format(now));
        for (int i = 2; Files.exists(candidate); i++) {
            candidate = DEFAULT_PARENT.resolve(STAMP.format(now) + "-" + i);
        }
        return candidate;
    }

    /**
     * Creates {@code dir}, or reuses it when empty; a non-empty folder is emptied only with {@code force},
     * and never when it holds the zoo (which would delete the demo's own models).
     */
    public static Path prepare(Path dir, boolean force, Path zoo) {
        Path abs = dir.toAbsolutePath().normalize();
        if (zoo.toAbsolutePath().normalize().startsWith(abs)) {
            throw new CrucibleException("--work " + dir + ": holds the zoo " + zoo + "; choose another folder");
        }
        try {
            if (Files.exists(abs) && !Files.isDirectory(abs)) {
                throw new CrucibleException("--work " + dir + ": is a file; choose a folder");
            }
            if (Files.isDirectory(abs) && !isEmpty(abs)) {
                if (!force) {
                    throw new CrucibleException("--work " + dir + ": is not empty; choose another folder or add --force "
                            + "to replace its contents");
                }
                clear(abs);
            }
            Files.createDirectories(abs);
        } catch (IOException | UncheckedIOException e) {
            throw new CrucibleException("--work " + dir + ": cannot prepare the folder (" + e.getMessage() + ")", e);
        }
        return abs;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    /** Deletes what is inside {@code dir}, keeping the folder; links are removed, never followed. */
    private static void clear(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                if (!d.equals(dir)) {
                    Files.delete(d);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
