package dev.crucible.app;

import dev.crucible.error.CrucibleException;
import dev.crucible.eval.Evaluator;
import dev.crucible.eval.ModelLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code crucible worker APP.yml}: an evaluation node. It joins the cluster named by the app config's
 * {@code cluster:} section and runs evaluators that register with the Receptionist, so the pool of
 * {@code crucible run} (and of evolutions) sends them work; runs until SIGTERM or Ctrl-C.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Join the evaluation cluster of APP.yml and evaluate models sent by the coordinator.")
public final class WorkerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "APP.yml", description = "The app config; its cluster: section must be enabled.")
    Path configFile;

    @Option(names = "--evaluators", defaultValue = "1", paramLabel = "N",
            description = "Evaluators on this node, each holding its own copy of a model (default ${DEFAULT-VALUE}).")
    int evaluators;

    @Override
    public Integer call() {
        ClusterSettings cluster = AppConfigParser.parse(configFile).cluster();
        if (!cluster.enabled()) {
            throw new CrucibleException(configFile + ": cluster.enabled is false; a worker only makes sense in a cluster");
        }
        if (evaluators < 1) {
            throw new CrucibleException("--evaluators must be at least 1, got " + evaluators);
        }
        ActorSystem<Void> system = start(cluster, evaluators, ModelLoader.standard());
        PrintWriter out = spec.commandLine().getOut();
        out.println("worker " + system.address() + " with " + evaluators + " evaluator(s) joining via "
                + cluster.discovery().key() + "; press Ctrl-C to stop");
        out.flush();
        system.getWhenTerminated().toCompletableFuture().join();
        return 0;
    }

    /** Starts a cluster node whose guardian runs {@code count} evaluators; they register with the Receptionist. */
    public static ActorSystem<Void> start(ClusterSettings cluster, int count, ModelLoader loader) {
        ActorSystem<Void> system = ActorSystem.create(Behaviors.setup(context -> {
            for (int i = 0; i < count; i++) {
                context.spawn(Evaluator.create(loader), "evaluator-" + i);
            }
            return Behaviors.empty();
        }), ClusterSettings.SYSTEM_NAME, ClusterConfig.forEvaluation(cluster));
        ClusterJoin.start(system, cluster);
        return system;
    }
}
