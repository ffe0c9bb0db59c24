package dev.crucible.app;

import java.util.List;
import java.util.Optional;

/**
 * The {@code cluster:} section: whether evaluators join a Pekko Cluster and how nodes find each other.
 *
 * @param enabled        false runs everything in one process
 * @param seedNodes      {@code pekko://crucible-eval@host:port} addresses, used with {@link Discovery#CONFIG}
 * @param discovery      how nodes find each other
 * @param remotingPort   Artery port of this node
 * @param managementPort Pekko Management HTTP port (cluster bootstrap and health checks)
 * @param host           the address other nodes reach this one at; empty: Pekko's default (this host's address)
 */
public record ClusterSettings(boolean enabled, List<String> seedNodes, Discovery discovery, int remotingPort,
                              int managementPort, Optional<String> host) {

    /** The actor system name every node must share (the evaluation session's), and that seed node addresses name. */
    public static final String SYSTEM_NAME = "crucible-eval";

    /** Artery's conventional port, also exposed by the Kubernetes manifests. */
    public static final int DEFAULT_REMOTING_PORT = 7355;

    /** Pekko Management's conventional port, also exposed by the Kubernetes manifests. */
    public static final int DEFAULT_MANAGEMENT_PORT = 7626;

    public ClusterSettings {
        seedNodes = List.copyOf(seedNodes);
    }

    /** A single process, no cluster. */
    public static ClusterSettings disabled() {
        return new ClusterSettings(false, List.of(), Discovery.CONFIG, DEFAULT_REMOTING_PORT, DEFAULT_MANAGEMENT_PORT,
                Optional.empty());
    }
}
