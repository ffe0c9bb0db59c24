package dev.crucible.app;

import dev.crucible.cluster.JoinMethod;
import java.util.Arrays;
import java.util.Optional;

/** How cluster nodes find each other: listed seed nodes, or Pekko Management's Kubernetes API discovery. */
public enum Discovery {
    /** {@code seed_nodes} from the config file. */
    CONFIG("config", JoinMethod.SEED_NODES),
    /** Cluster Bootstrap with {@code pekko.discovery.kubernetes-api} (pods found by label). */
    KUBERNETES("kubernetes", JoinMethod.KUBERNETES);

    private final String key;
    private final JoinMethod joinMethod;

    Discovery(String key, JoinMethod joinMethod) {
        this.key = key;
        this.joinMethod = joinMethod;
    }

    /** The cluster module's name for the same method. */
    public JoinMethod joinMethod() {
        return joinMethod;
    }

    /** The spelling used in the config file. */
    public String key() {
        return key;
    }

    /** The value spelled {@code key}, if any. */
    public static Optional<Discovery> byKey(String key) {
        return Arrays.stream(values()).filter(d -> d.key.equals(key)).findFirst();
    }
}
