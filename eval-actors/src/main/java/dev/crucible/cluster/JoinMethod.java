package dev.crucible.cluster;

import java.util.Arrays;
import java.util.Optional;

/** How a node finds the cluster: the listed seed nodes, or Cluster Bootstrap with Kubernetes API discovery. */
public enum JoinMethod {
    /** Join the nodes listed in {@code crucible.cluster.seed-nodes}. */
    SEED_NODES("seed-nodes"),
    /** Pekko Management's Cluster Bootstrap finds peer pods through the Kubernetes API. */
    KUBERNETES("kubernetes");

    private final String key;

    JoinMethod(String key) {
        this.key = key;
    }

    /** The spelling in config and on the command line. */
    public String key() {
        return key;
    }

    /** The method spelled {@code key}, if any. */
    public static Optional<JoinMethod> byKey(String key) {
        return Arrays.stream(values()).filter(method -> method.key.equals(key)).findFirst();
    }
}
