package dev.crucible.app;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code serve:} section: where the HTTP server listens and where the admin token lives.
 *
 * @param host           interface to bind
 * @param port           TCP port (0 picks a free one)
 * @param adminTokenFile file holding the bearer token for {@code /admin/*}, resolved against the config file
 */
public record ServeSettings(String host, int port, Optional<Path> adminTokenFile) {

    /** The host used when the config names none. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** The port used when the config names none; the Kubernetes manifests expose the same one. */
    public static final int DEFAULT_PORT = 8080;

    /** Loopback on the default port, admin API off. */
    public static ServeSettings defaults() {
        return new ServeSettings(DEFAULT_HOST, DEFAULT_PORT, Optional.empty());
    }
}
