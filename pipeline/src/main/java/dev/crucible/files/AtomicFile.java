package dev.crucible.files;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a small file whole: the content goes to a hidden temporary file beside the target
 * ({@code .NAME.tmp-RANDOM}, so the rename never crosses a file system), is synced to disk, and the temporary
 * file is renamed over the target. Readers, and a crash at any point, see the old content or the new one,
 * never part of either. The temporary file is removed on every path that does not rename it; only a killed
 * process can leave one behind, and it never shadows the target.
 */
public final class AtomicFile {

    /** Writes the content of a file; may close the stream it is given. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFile() {
    }

    /** Replaces {@code target} with {@code bytes}, creating its folder when missing. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /**
     * Replaces {@code target} with what {@code content} writes, creating its folder when missing. When
     * {@code content} throws, the target is left as it was and the exception propagates.
     */
    public static void write(Path target, Content content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        Path temp = dir.resolve("." + absolute.getFileName() + ".tmp-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
        FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            try (channel) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel));
                content.writeTo(new KeepOpen(out));
                out.flush();
                channel.force(true);
            }
            try {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (Throwable failure) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                failure.addSuppressed(cleanup);
            }
            throw failure;
        }
        syncFolder(dir);
    }

    /**
     * Makes the rename itself durable. Best effort: some platforms cannot open a folder for syncing, and the
     * content is already complete under either name.
     */
    private static void syncFolder(Path dir) {
        try (FileChannel folder = FileChannel.open(dir, StandardOpenOption.READ)) {
            folder.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // The rename happened; only its durability across a power loss is left to the file system.
        }
    }

    /**
     * The channel must stay open for the sync after {@link Content} returns, while JSON writers close the stream
     * they are handed by default; closing this one only flushes.
     */
    private static final class KeepOpen extends FilterOutputStream {

        KeepOpen(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
