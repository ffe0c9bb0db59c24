package dev.crucible.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.crucible.error.CrucibleException;
import dev.crucible.eval.EvaluationSession;
import dev.crucible.eval.Evaluator;
import dev.crucible.eval.ModelLoader;
import dev.crucible.eval.PoolSettings;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A node of the evaluation cluster. A worker ({@link #worker}) runs evaluators that register with the
 * Receptionist; the coordinator ({@link #coordinator}) is an {@link EvaluationSession} whose pool uses
 * the evaluators of every node, its own included. A lost node's in-flight batches go to the others:
 * the pool watches every evaluator, and the split brain resolver removes a node that stays unreachable.
 */
public final class ClusterNode implements AutoCloseable {

    private final ActorSystem<Void> system;

    private ClusterNode(ActorSystem<Void> system) {
        this.system = system;
    }

    /** Starts a worker with {@code evaluators} evaluators under the application config. */
    public static ClusterNode worker(ClusterMembership membership, int evaluators, ModelLoader loader, BootstrapHook hook) {
        return worker(membership, evaluators, loader, hook, ConfigFactory.load());
    }

    /** Starts a worker; {@code base} is the config the membership's Pekko settings are laid over. */
    public static ClusterNode worker(ClusterMembership membership, int evaluators, ModelLoader loader,
                                     BootstrapHook hook, Config base) {
        if (evaluators < 1) {
            throw new CrucibleException("--evaluators must be at least 1 on a worker, got " + evaluators);
        }
        requireHook(membership, hook);
        ActorSystem<Void> system = ActorSystem.create(Behaviors.setup(context -> {
            for (int i = 0; i < evaluators; i++) {
                context.spawn(Evaluator.create(loader), "evaluator-" + i);
            }
            return Behaviors.empty();
        }), EvaluationSession.SYSTEM_NAME, config(membership, base));
        hook.start(system);
        return new ClusterNode(system);
    }

    /** Starts the coordinating node under the application config: a pool plus {@code evaluators} (0 or more) local evaluators. */
    public static EvaluationSession coordinator(ClusterMembership membership, int evaluators, ModelLoader loader,
                                                PoolSettings settings, BootstrapHook hook) {
        return coordinator(membership, evaluators, loader, settings, hook, ConfigFactory.load());
    }

    /** Starts the coordinating node; {@code base} is the config the membership's Pekko settings are laid over. */
    public static EvaluationSession coordinator(ClusterMembership membership, int evaluators, ModelLoader loader,
                                                PoolSettings settings, BootstrapHook hook, Config base) {
        requireHook(membership, hook);
        EvaluationSession session = EvaluationSession.start(evaluators, loader, settings, config(membership, base));
        hook.start(session.system());
        return session;
    }

    /**
     * The full config of a node: {@code -D} overrides, then the membership's Pekko settings, then
     * {@code base}; with the TLS store passwords added, and refused when it would listen without TLS
     * where other machines can reach it ({@link ClusterTransport#secure}).
     */
    public static Config config(ClusterMembership membership, Config base) {
        return membership.transport().secure(
                ConfigFactory.defaultOverrides().withFallback(membership.pekkoConfig()).withFallback(base).resolve());
    }

    private static void requireHook(ClusterMembership membership, BootstrapHook hook) {
        if (membership.joinMethod() == JoinMethod.KUBERNETES && hook == BootstrapHook.NONE) {
            throw new CrucibleException("crucible.cluster.discovery = kubernetes needs Pekko Management's Cluster "
                    + "Bootstrap: start this node through the serving module's crucible, or use seed-nodes");
        }
    }

    /** Where other nodes reach this one. */
    public Address address() {
        return system.address();
    }

    /** The node's actor system. */
    public ActorSystem<Void> system() {
        return system;
    }

    /** Blocks until the node stops (it leaves the cluster on SIGTERM through coordinated shutdown). */
    public void awaitTermination() {
        system.getWhenTerminated().toCompletableFuture().join();
    }

    /** Leaves the cluster, stopping the evaluators (closing their models), and waits for the system to end. */
    @Override
    public void close() {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new CrucibleException("cluster node " + address() + " did not shut down within 30 s", e);
        }
    }
}
