package dev.crucible.app;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;

/**
 * Joins a node to the evaluation cluster once its actor system runs: with seed nodes Pekko joins by
 * itself; with Kubernetes discovery Pekko Management's HTTP endpoint (health checks, bootstrap
 * contact point) starts and Cluster Bootstrap forms or joins the cluster.
 */
public final class ClusterJoin {

    private ClusterJoin() {}

    /** Starts whatever {@code settings} need on {@code system}; nothing when the cluster is off. */
    public static void start(ActorSystem<?> system, ClusterSettings settings) {
        if (!settings.enabled() || settings.discovery() != Discovery.KUBERNETES) {
            return;
        }
        PekkoManagement.get(Adapter.toClassic(system)).start();
        ClusterBootstrap.get(Adapter.toClassic(system)).start();
    }
}
