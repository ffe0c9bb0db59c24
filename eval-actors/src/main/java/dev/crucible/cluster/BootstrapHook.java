package dev.crucible.cluster;

import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Starts Pekko Management and Cluster Bootstrap on a node that joins through Kubernetes discovery.
 * Those libraries live in the serving module, which passes its hook in; this module only needs the seam.
 */
@FunctionalInterface
public interface BootstrapHook {

    /** For nodes that join through seed nodes, where Pekko joins by itself. */
    BootstrapHook NONE = system -> {
    };

    /** Starts whatever makes {@code system} find and join its peers. */
    void start(ActorSystem<?> system);
}
