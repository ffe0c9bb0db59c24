package dev.crucible.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.crucible.error.CrucibleException;
import dev.crucible.eval.RecipeModelLoader;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code crucible worker}: joins the evaluation cluster and runs evaluators the coordinator's pool
 * sends work to (model folders, and recipes it merges in memory from the shared model volume). Flags
 * override {@code crucible.cluster} in config. Runs until SIGTERM or Ctrl-C, then leaves the cluster.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Join the evaluation cluster and evaluate the models its coordinator sends.")
public final class WorkerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--seed-nodes", split = ",", paramLabel = "HOST:PORT",
            description = "Nodes to join, comma-separated (default: crucible.cluster.seed-nodes).")
    List<String> seedNodes;

    @Option(names = "--host", paramLabel = "HOST",
            description = "Address other nodes reach this one at (default: crucible.cluster.host, else this host's).")
    String host;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Remoting port of this node; 0 picks a free one (default: crucible.cluster.port, 7355).")
    Integer port;

    @Option(names = "--evaluators", paramLabel = "N",
            description = "Evaluators on this node, each holding its own copy of a model (default: crucible.cluster.evaluators, 1).")
    Integer evaluators;

    @Option(names = "--discovery", paramLabel = "METHOD",
            description = "seed-nodes or kubernetes (default: crucible.cluster.discovery).")
    String discovery;

    @Option(names = "--merge-threads", paramLabel = "N",
            description = "Threads merging a recipe candidate (default: all cores).")
    Integer mergeThreads;

    private final BootstrapHook hook;

    /** A worker that can only join through seed nodes. */
    public WorkerCommand() {
        this(BootstrapHook.NONE);
    }

    /** A worker that starts {@code hook} (Pekko Management and Cluster Bootstrap) for Kubernetes discovery. */
    public WorkerCommand(BootstrapHook hook) {
        this.hook = hook;
    }

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
            ClusterNode node = ClusterNode.worker(membership, count, loader, hook, config);
            PrintWriter out = spec.commandLine().getOut();
            out.println("worker " + node.address() + " with " + count + " evaluator(s) joining through "
                    + (membership.joinMethod() == JoinMethod.SEED_NODES
                            ? String.join(", ", membership.seedNodes()) : "kubernetes discovery")
                    + "; Ctrl-C to leave");
            out.flush();
            node.awaitTermination();
        }
        return 0;
    }

    /** The {@code crucible.cluster} block with the flags given laid over it. */
    ClusterMembership membership(Config cluster) {
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
        return ClusterMembership.fromConfig(flags.withFallback(cluster));
    }
}
