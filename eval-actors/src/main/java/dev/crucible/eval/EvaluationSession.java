package dev.crucible.eval;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.crucible.error.CrucibleException;
import dev.crucible.task.Task;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A local actor system with N evaluators and a pool, for callers that are not actors (the CLI,
 * benchmarks, tests). The system's guardian is the pool; evaluators are its children.
 */
public final class EvaluationSession implements AutoCloseable {

    /** The actor system name; every node of an evaluation cluster must use it (seed node addresses name it). */
    public static final String SYSTEM_NAME = "crucible-eval";

    private final ActorSystem<EvaluatorPool.Command> system;

    private EvaluationSession(ActorSystem<EvaluatorPool.Command> system) {
        this.system = system;
    }

    /** Starts {@code evaluators} evaluators (each loads its own copy of a model) behind one pool. */
    public static EvaluationSession start(int evaluators, ModelLoader loader, PoolSettings settings) {
        return start(evaluators, loader, settings, ConfigFactory.load());
    }

    /**
     * As {@link #start(int, ModelLoader, PoolSettings)} with an explicit Pekko config. With a cluster
     * config ({@code pekko.actor.provider = cluster}) the pool also uses evaluators on other nodes, so
     * this node may run none of its own.
     */
    public static EvaluationSession start(int evaluators, ModelLoader loader, PoolSettings settings, Config config) {
        boolean clustered = "cluster".equals(config.getString("pekko.actor.provider"));
        if (evaluators < (clustered ? 0 : 1)) {
            throw new CrucibleException("--evaluators must be at least " + (clustered ? 0 : 1) + ", got " + evaluators);
        }
        var guardian = Behaviors.<EvaluatorPool.Command>setup(context -> {
            for (int i = 0; i < evaluators; i++) {
                context.spawn(Evaluator.create(loader), "evaluator-" + i);
            }
            return EvaluatorPool.create(settings);
        });
        return new EvaluationSession(ActorSystem.create(guardian, SYSTEM_NAME, config));
    }

    /**
     * The loaded config with Pekko quiet for command-line runs (warnings only, no dead-letter logging) and no
     * JVM shutdown hook, since the command closes its session itself.
     */
    public static Config quietConfig() {
        return ConfigFactory.parseString("""
                pekko.loglevel = WARNING
                pekko.stdout-loglevel = WARNING
                pekko.log-dead-letters = off
                pekko.log-dead-letters-during-shutdown = off
                pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                """).withFallback(ConfigFactory.load());
    }

    /** Default pool settings from {@code crucible.eval} in the loaded config. */
    public static PoolSettings defaultSettings() {
        return PoolSettings.fromConfig(ConfigFactory.load().getConfig("crucible.eval"));
    }

    /** Scores {@code model} on {@code tasks}, waiting at most {@code timeout}. */
    public EvaluationResult evaluate(ModelRef model, List<Task> tasks, Duration timeout) {
        var answer = AskPattern.<EvaluatorPool.Command, EvaluationResult>ask(system,
                replyTo -> new EvaluatorPool.Evaluate(model, tasks, replyTo), timeout, system.scheduler());
        try {
            return answer.toCompletableFuture().get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrucibleException("evaluation of " + model.id() + " interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new CrucibleException("evaluation of " + model.id() + " did not finish within " + timeout.toSeconds() + " s", e);
        }
    }

    /** The underlying actor system (to spawn more evaluators or join a cluster). */
    public ActorSystem<EvaluatorPool.Command> system() {
        return system;
    }

    /** Stops every actor, closing the evaluators' models, and waits for the system to end. */
    @Override
    public void close() {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new CrucibleException("actor system did not shut down within 30 s", e);
        }
    }
}
