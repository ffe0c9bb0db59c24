package dev.crucible.app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.crucible.cluster.ClusterMembership;
import dev.crucible.cluster.ClusterNode;
import dev.crucible.cluster.ClusterTransport;
import dev.crucible.cluster.JoinMethod;
import dev.crucible.error.CrucibleException;
import dev.crucible.eval.RecipeModelLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code crucible worker [APP.yml]}: an evaluation node. It joins the cluster named by the app config's
 * {@code cluster:} section (or by {@code crucible.cluster} in config without one), flags overriding
 * either, and runs evaluators the coordinator's pool ({@code crucible run}, evolutions) sends model
 * folders and recipes to; recipes are merged in memory from the shared model volume. Runs until
 * SIGTERM or Ctrl-C, then leaves the cluster.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Join the evaluation cluster (of APP.yml, if given) and evaluate the models its coordinator sends.")
public final class WorkerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "APP.yml",
            description = "The app config whose cluster: section to join (must be enabled); without it crucible.cluster in config.")
    Path configFile;

    @Option(names = "--seed-nodes", split = ",", paramLabel = "HOST:PORT",
            description = "Nodes to join, comma-separated (default: the config's seed nodes).")
    List<String> seedNodes;

    @Option(names = "--host", paramLabel = "HOST",
            description = "Address other nodes reach this one at (default: the config's host, else this host's).")
    String host;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Remoting port of this node; 0 picks a free one (default: the config's port, 7355).")
    Integer port;

    @Option(names = "--evaluators", paramLabel = "N",
            description = "Evaluators on this node, each holding its own copy of a model (default: crucible.cluster.evaluators, 1).")
    Integer evaluators;

    @Option(names = "--discovery", paramLabel = "METHOD",
            description = "seed-nodes or kubernetes (default: the config's discovery).")
    String discovery;

    @Option(names = "--tls-key-store", paramLabel = "FILE",
            description = "PKCS12 key store with this node's key and certificate (default: crucible.cluster.tls.key-store).")
    Path tlsKeyStore;

    @Option(names = "--tls-trust-store", paramLabel = "FILE",
            description = "PKCS12 trust store with the cluster's certificate (default: crucible.cluster.tls.trust-store).")
    Path tlsTrustStore;

    @Option(names = "--tls-password-file", paramLabel = "FILE",
            description = "File whose first line is the stores' password (default: crucible.cluster.tls.password-file, "
                    + "else $" + ClusterTransport.PASSWORD_ENV + ").")
    Path tlsPasswordFile;

    @Option(names = "--insecure-tcp",
            description = "Plain TCP instead of TLS: anyone reaching the port can join. Only on 127.0.0.1 unless --allow-insecure-remote.")
    boolean insecureTcp;

    @Option(names = "--allow-insecure-remote",
            description = "Permit --insecure-tcp on an address other machines reach (a network you trust completely).")
    boolean allowInsecureRemote;

    @Option(names = "--merge-threads", paramLabel = "N",
            description = "Threads merging a recipe candidate (default: all cores).")
    Integer mergeThreads;

    @Override
    public Integer call() {
        Config config = ConfigFactory.load();
        ClusterMembership membership = membership(config.getConfig("crucible.cluster"));
        int count = evaluators != null ? evaluators : config.getInt("crucible.cluster.evaluators");
        int threads = mergeThreads != null ? mergeThreads : Runtime.getRuntime().availableProcessors();
        if (threads < 1) {
            throw new CrucibleException("--merge-threads must be at least 1, got " + threads);
        }
        try (RecipeModelLoader loader = new RecipeModelLoader(threads, RecipeModelLoader.DEFAULT_KEPT_MERGES)) {
            ClusterNode node = ClusterNode.worker(membership, count, loader, ClusterJoin.hook(membership.joinMethod()), config);
            PrintWriter out = spec.commandLine().getOut();
            out.println("worker " + node.address() + " with " + count + " evaluator(s) joining through "
                    + (membership.joinMethod() == JoinMethod.SEED_NODES
                            ? String.join(", ", membership.seedNodes()) : "kubernetes discovery")
                    + "; press Ctrl-C to stop");
            out.flush();
            node.awaitTermination();
        }
        return 0;
    }

    /** The flags given, over the app config's {@code cluster:} section if there is one, over {@code cluster}. */
    ClusterMembership membership(Config cluster) {
        Config base = cluster;
        if (configFile != null) {
            ClusterSettings settings = AppConfigParser.parse(configFile).cluster();
            if (!settings.enabled()) {
                throw new CrucibleException(configFile + ": cluster.enabled is false; a worker only makes sense in a cluster");
            }
            base = settings.clusterConfig().withFallback(cluster);
        }
        Config flags = ConfigFactory.empty();
        if (discovery != null) {
            flags = flags.withValue("discovery", ConfigValueFactory.fromAnyRef(discovery));
        }
        if (seedNodes != null) {
            flags = flags.withValue("seed-nodes", ConfigValueFactory.fromIterable(seedNodes));
        }
        if (host != null) {
            flags = flags.withValue("host", ConfigValueFactory.fromAnyRef(host));
        }
        if (port != null) {
            flags = flags.withValue("port", ConfigValueFactory.fromAnyRef(port));
        }
        ClusterSecurity security = new ClusterSecurity(
                insecureTcp ? Optional.of(ClusterTransport.INSECURE_TCP) : Optional.empty(),
                Optional.ofNullable(tlsKeyStore).map(p -> p.toAbsolutePath().normalize()),
                Optional.ofNullable(tlsTrustStore).map(p -> p.toAbsolutePath().normalize()),
                Optional.ofNullable(tlsPasswordFile).map(p -> p.toAbsolutePath().normalize()),
                allowInsecureRemote ? Optional.of(true) : Optional.empty());
        return ClusterMembership.fromConfig(security.over(flags.withFallback(base)));
    }
}
