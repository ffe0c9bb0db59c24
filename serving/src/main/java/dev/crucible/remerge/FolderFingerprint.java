package dev.crucible.remerge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a base folder holds, as one hash of every file's relative name, size and modification time. A
 * base whose re-merge failed is tried again once this changes (the copy was completed or fixed), and
 * not before: a restart does not merge an unchanged broken base again.
 */
public final class FolderFingerprint {

    private FolderFingerprint() {}

    /** The fingerprint of {@code dir}; "absent" when it is not a folder. */
    public static String of(Path dir) {
        if (!Files.isDirectory(dir)) {
            return "absent";
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            // A file vanished or cannot be listed: a constant, so an unreadable folder is not retried on every
            // pass, and it changes again once the folder can be read.
            return "unreadable";
        }
        for (Path file : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                sha.update((dir.relativize(file) + "\0" + a.size() + "\0" + a.lastModifiedTime().toMillis() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                return "unreadable";
            }
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 16);
    }
}
