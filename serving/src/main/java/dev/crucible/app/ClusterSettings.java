package dev.crucible.app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.crucible.cluster.ClusterMembership;
import dev.crucible.eval.EvaluationSession;
import java.util.List;
import java.util.Optional;

/**
 * The {@code cluster:} section: whether evaluators join a Pekko Cluster and how nodes find each other.
 * It only picks values; {@link #membership()} hands them to the cluster module, which alone turns a
 * membership into Pekko settings.
 *
 * @param enabled        false runs everything in one process
 * @param seedNodes      {@code pekko://crucible-eval@host:port} addresses, used with {@link Discovery#CONFIG}
 * @param discovery      how nodes find each other
 * @param remotingPort   Artery port of this node
 * @param managementPort Pekko Management HTTP port (cluster bootstrap and health checks)
 * @param host           the address other nodes reach this one at; empty: Pekko's default (this host's address)
 * @param security       transport (TLS by default) and the TLS key and trust stores
 */
public record ClusterSettings(boolean enabled, List<String> seedNodes, Discovery discovery, int remotingPort,
                              int managementPort, Optional<String> host, ClusterSecurity security) {

    /** The actor system name every node must share (the evaluation session's), and that seed node addresses name. */
    public static final String SYSTEM_NAME = EvaluationSession.SYSTEM_NAME;

    /** Artery's conventional port, also exposed by the Kubernetes manifests. */
    public static final int DEFAULT_REMOTING_PORT = ClusterMembership.DEFAULT_PORT;

    /** Pekko Management's conventional port, also exposed by the Kubernetes manifests. */
    public static final int DEFAULT_MANAGEMENT_PORT = 7626;

    public ClusterSettings {
        seedNodes = List.copyOf(seedNodes);
    }

    /** Settings that leave the transport to config: TLS with the stores of {@code crucible.cluster.tls}. */
    public ClusterSettings(boolean enabled, List<String> seedNodes, Discovery discovery, int remotingPort,
                           int managementPort, Optional<String> host) {
        this(enabled, seedNodes, discovery, remotingPort, managementPort, host, ClusterSecurity.unset());
    }

    /** A single process, no cluster. */
    public static ClusterSettings disabled() {
        return new ClusterSettings(false, List.of(), Discovery.CONFIG, DEFAULT_REMOTING_PORT, DEFAULT_MANAGEMENT_PORT,
                Optional.empty(), ClusterSecurity.unset());
    }

    /** These settings as {@code crucible.cluster} keys; the keys the app config has no say in are absent. */
    public Config clusterConfig() {
        Config c = ConfigFactory.empty()
                .withValue("discovery", ConfigValueFactory.fromAnyRef(discovery.joinMethod().key()))
                .withValue("seed-nodes", ConfigValueFactory.fromIterable(seedNodes))
                .withValue("port", ConfigValueFactory.fromAnyRef(remotingPort))
                .withValue("kubernetes.management-port", ConfigValueFactory.fromAnyRef(managementPort));
        return security.over(host.map(h -> c.withValue("host", ConfigValueFactory.fromAnyRef(h))).orElse(c));
    }

    /** This node's membership: these settings over {@code cluster}, a {@code crucible.cluster} block. */
    public ClusterMembership membership(Config cluster) {
        return ClusterMembership.fromConfig(clusterConfig().withFallback(cluster));
    }

    /** This node's membership, the keys the app config leaves out taken from {@code crucible.cluster} in config. */
    public ClusterMembership membership() {
        return membership(ConfigFactory.load().getConfig("crucible.cluster"));
    }
}
