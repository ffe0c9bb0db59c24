package dev.crucible.app;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The {@code serve:} section: where the HTTP server listens and where the admin token lives.
 *
 * @param host           interface to bind
 * @param port           TCP port (0 picks a free one)
 * @param adminTokenFile file holding the bearer token for {@code /admin/*}, resolved against the config file
 * @param servedModelNames aliases the champion also answers to (as {@code crucible serve --served-model-name})
 * @param allowedOrigins origins browsers may call {@code /v1} from ({@code *}: any)
 */
public record ServeSettings(String host, int port, Optional<Path> adminTokenFile, List<String> servedModelNames,
                            List<String> allowedOrigins) {

    public ServeSettings {
        servedModelNames = List.copyOf(servedModelNames);
        allowedOrigins = List.copyOf(allowedOrigins);
    }

    /** No aliases, any origin. */
    public ServeSettings(String host, int port, Optional<Path> adminTokenFile) {
        this(host, port, adminTokenFile, List.of(), List.of("*"));
    }

    /** The host used when the config names none. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** The port used when the config names none; the Kubernetes manifests expose the same one. */
    public static final int DEFAULT_PORT = 8080;

    /** Loopback on the default port, admin API off. */
    public static ServeSettings defaults() {
        return new ServeSettings(DEFAULT_HOST, DEFAULT_PORT, Optional.empty());
    }
}
