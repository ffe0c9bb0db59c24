package dev.crucible.serve;

import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where the admin bearer token comes from: a file (first line) wins over {@code CRUCIBLE_ADMIN_TOKEN}. */
public final class AdminTokens {

    public static final String ENV = "CRUCIBLE_ADMIN_TOKEN";

    private AdminTokens() {}

    public static Optional<String> resolve(Path tokenFile, String envValue) {
        if (tokenFile != null) {
            String content;
            try {
                content = Files.readString(tokenFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CrucibleException("--admin-token-file " + tokenFile + ": cannot read (" + e.getMessage() + ")");
            }
            String token = content.lines().findFirst().orElse("").trim();
            if (token.isEmpty()) {
                throw new CrucibleException("--admin-token-file " + tokenFile + ": the first line is empty; put the token there");
            }
            return Optional.of(token);
        }
        return Optional.ofNullable(envValue).map(String::trim).filter(t -> !t.isEmpty());
    }
}
