package dev.crucible.app;

import dev.crucible.cluster.BootstrapHook;
import dev.crucible.cluster.JoinMethod;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;

/**
 * Joins a node to the evaluation cluster once its actor system runs: with seed nodes Pekko joins by
 * itself; with Kubernetes discovery Pekko Management's HTTP endpoint (health checks, bootstrap
 * contact point) starts and Cluster Bootstrap forms or joins the cluster. Lives here because only
 * this module carries the Pekko Management libraries.
 */
public final class ClusterJoin {

    private ClusterJoin() {}

    /** The hook a node joining by {@code method} needs: Cluster Bootstrap for Kubernetes, nothing for seed nodes. */
    public static BootstrapHook hook(JoinMethod method) {
        return method == JoinMethod.KUBERNETES ? ClusterJoin::bootstrap : BootstrapHook.NONE;
    }

    private static void bootstrap(ActorSystem<?> system) {
        PekkoManagement.get(Adapter.toClassic(system)).start();
        ClusterBootstrap.get(Adapter.toClassic(system)).start();
    }
}
