package dev.crucible.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.crucible.error.CrucibleException;
import dev.crucible.eval.EvaluationSession;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How this node takes part in the evaluation cluster ({@code crucible.cluster} in config): where
 * other nodes reach it and how it finds them. Turned into Pekko settings by {@link #pekkoConfig()}.
 *
 * @param joinMethod            listed seed nodes or Kubernetes discovery
 * @param seedNodes             full addresses ({@code pekko://crucible-eval@host:port}); used with {@link JoinMethod#SEED_NODES}
 * @param host                  the address other nodes reach this one at; empty: this host's address
 * @param port                  Artery (remoting) port; 0 picks a free one
 * @param downUnreachableAfter  a node unreachable this long is removed (split brain resolver, keep majority),
 *                              so its in-flight batches go to other evaluators
 * @param managementPort        Pekko Management HTTP port (bootstrap contact point, health checks) for Kubernetes
 * @param podLabelSelector      Kubernetes label selector finding peer pods; {@code %s} is the system name
 * @param requiredContactPoints pods that must be found before the first of them forms a new cluster
 * @param transport             TLS with mutual authentication (the default) or plain TCP on loopback
 */
public record ClusterMembership(JoinMethod joinMethod, List<String> seedNodes, String host, int port,
                                Duration downUnreachableAfter, int managementPort, String podLabelSelector,
                                int requiredContactPoints, ClusterTransport transport) {

    /** Artery's conventional port, also the one the Kubernetes manifests expose. */
    public static final int DEFAULT_PORT = 7355;

    private static final Pattern HOST_PORT = Pattern.compile("(\\[[^]]+]|[^:/@]+):(\\d{1,5})");
    private static final Pattern ADDRESS = Pattern.compile("pekko://([^@]+)@(.+)");

    public ClusterMembership {
        seedNodes = seedNodes.stream().map(ClusterMembership::seedAddress).toList();
        host = host == null ? "" : host.strip();
        if (port < 0 || port > 65_535) {
            throw new CrucibleException("crucible.cluster.port (--port): " + port + " is not a port (0-65535)");
        }
        if (joinMethod == JoinMethod.SEED_NODES && seedNodes.isEmpty()) {
            throw new CrucibleException("crucible.cluster.seed-nodes (--seed-nodes) is empty: list at least one host:port "
                    + "(the first node lists its own address)");
        }
        if (downUnreachableAfter.isNegative() || downUnreachableAfter.isZero()) {
            throw new CrucibleException("crucible.cluster.down-unreachable-after must be positive, got "
                    + downUnreachableAfter);
        }
        if (requiredContactPoints < 1) {
            throw new CrucibleException("crucible.cluster.kubernetes.required-contact-points must be at least 1, got "
                    + requiredContactPoints);
        }
    }

    /** Reads a {@code crucible.cluster} block (see this module's reference.conf for the keys). */
    public static ClusterMembership fromConfig(Config cluster) {
        try {
            String method = cluster.getString("discovery");
            JoinMethod joinMethod = JoinMethod.byKey(method).orElseThrow(() -> new CrucibleException(
                    "crucible.cluster.discovery (--discovery): unknown value '" + method + "' (use seed-nodes or kubernetes)"));
            Config kubernetes = cluster.getConfig("kubernetes");
            return new ClusterMembership(joinMethod, cluster.getStringList("seed-nodes"), cluster.getString("host"),
                    cluster.getInt("port"), cluster.getDuration("down-unreachable-after"),
                    kubernetes.getInt("management-port"), kubernetes.getString("pod-label-selector"),
                    kubernetes.getInt("required-contact-points"), ClusterTransport.fromConfig(cluster));
        } catch (ConfigException e) {
            throw new CrucibleException("crucible.cluster: " + e.getMessage(), e);
        }
    }

    /** Only the Pekko settings this membership decides (no secrets); lay it over the application config. */
    public Config pekkoConfig() {
        Config c = transport.pekkoConfig()
                .withValue("pekko.actor.provider", ConfigValueFactory.fromAnyRef("cluster"))
                .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
                .withValue("pekko.cluster.downing-provider-class",
                        ConfigValueFactory.fromAnyRef("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"))
                .withValue("pekko.cluster.split-brain-resolver.active-strategy", ConfigValueFactory.fromAnyRef("keep-majority"))
                .withValue("pekko.cluster.split-brain-resolver.stable-after",
                        ConfigValueFactory.fromAnyRef(downUnreachableAfter.toMillis() + " ms"));
        if (!host.isEmpty()) {
            c = c.withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(host))
                    .withValue("pekko.management.http.hostname", ConfigValueFactory.fromAnyRef(host));
        }
        if (joinMethod == JoinMethod.SEED_NODES) {
            return c.withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seedNodes));
        }
        return c.withValue("pekko.management.http.port", ConfigValueFactory.fromAnyRef(managementPort))
                .withValue("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method",
                        ConfigValueFactory.fromAnyRef("kubernetes-api"))
                .withValue("pekko.management.cluster.bootstrap.contact-point-discovery.service-name",
                        ConfigValueFactory.fromAnyRef(EvaluationSession.SYSTEM_NAME))
                .withValue("pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr",
                        ConfigValueFactory.fromAnyRef(requiredContactPoints))
                .withValue("pekko.discovery.kubernetes-api.pod-label-selector",
                        ConfigValueFactory.fromAnyRef(podLabelSelector));
    }

    /** {@code host:port} becomes {@code pekko://crucible-eval@host:port}; a full address must name that system. */
    private static String seedAddress(String seed) {
        String text = seed.strip();
        Matcher address = ADDRESS.matcher(text);
        if (address.matches()) {
            if (!address.group(1).equals(EvaluationSession.SYSTEM_NAME)) {
                throw new CrucibleException("crucible.cluster.seed-nodes: " + text + " names actor system '"
                        + address.group(1) + "'; evaluation nodes are all '" + EvaluationSession.SYSTEM_NAME + "'");
            }
            text = address.group(2);
        }
        Matcher hostPort = HOST_PORT.matcher(text);
        if (!hostPort.matches() || Integer.parseInt(hostPort.group(2)) > 65_535) {
            throw new CrucibleException("crucible.cluster.seed-nodes: '" + seed + "' is not host:port");
        }
        return "pekko://" + EvaluationSession.SYSTEM_NAME + "@" + text;
    }
}
