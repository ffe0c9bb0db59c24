package dev.crucible.serve;

import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the admin bearer token comes from: a file (first line) wins over {@code CRUCIBLE_ADMIN_TOKEN}. A
 * token file others can read is accepted with a one-line warning, not refused: Kubernetes mounts
 * secrets 0644 unless {@code defaultMode} says otherwise.
 */
public final class AdminTokens {

    public static final String ENV = "CRUCIBLE_ADMIN_TOKEN";

    private static final Logger LOG = LoggerFactory.getLogger(AdminTokens.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private AdminTokens() {}

    public static Optional<String> resolve(Path tokenFile, String envValue) {
        if (tokenFile != null) {
            String content;
            try {
                content = Files.readString(tokenFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CrucibleException("--admin-token-file " + tokenFile + ": cannot read (" + e.getMessage() + ")");
            }
            exposureWarning(tokenFile).ifPresent(LOG::warn);
            String token = content.lines().findFirst().orElse("").trim();
            if (token.isEmpty()) {
                throw new CrucibleException("--admin-token-file " + tokenFile + ": the first line is empty; put the token there");
            }
            return Optional.of(token);
        }
        return Optional.ofNullable(envValue).map(String::trim).filter(t -> !t.isEmpty());
    }

    /** The warning to give when {@code tokenFile} is readable by its group or by others; empty otherwise. */
    public static Optional<String> exposureWarning(Path tokenFile) {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(tokenFile);
        } catch (UnsupportedOperationException | IOException e) {
            return Optional.empty();
        }
        if (!permissions.contains(PosixFilePermission.GROUP_READ) && !permissions.contains(PosixFilePermission.OTHERS_READ)) {
            return Optional.empty();
        }
        return Optional.of("admin token file " + tokenFile + " is readable by "
                + (permissions.contains(PosixFilePermission.OTHERS_READ) ? "others" : "its group") + " ("
                + PosixFilePermissions.toString(permissions) + "); chmod 600 it (for a Kubernetes secret, set defaultMode: 0400)");
    }

    /** Writes {@code token} to {@code file}, readable and writable by its owner only (0600 where POSIX). */
    public static void write(Path file, String token) throws IOException {
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
    }
}
