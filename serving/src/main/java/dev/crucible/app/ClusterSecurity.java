package dev.crucible.app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.crucible.cluster.ClusterTransport;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How this node proves it belongs to the cluster, from the app config's {@code cluster:} section
 * ({@code transport}, {@code tls: {key_store, trust_store, password_file}}, {@code allow_insecure_remote})
 * or the worker's flags. Absent values are left to {@code crucible.cluster} in config; the cluster
 * module's {@link ClusterTransport} turns them into Artery settings and enforces them.
 *
 * @param transport           {@code tls} or {@code insecure-tcp}; empty: the config's (tls)
 * @param keyStore            this node's PKCS12 key store
 * @param trustStore          the PKCS12 trust store of the cluster's certificate
 * @param passwordFile        file whose first line is the stores' password
 * @param allowInsecureRemote true permits insecure-tcp beyond loopback; empty: the config's (off)
 */
public record ClusterSecurity(Optional<String> transport, Optional<Path> keyStore, Optional<Path> trustStore,
                              Optional<Path> passwordFile, Optional<Boolean> allowInsecureRemote) {

    /** Nothing said: TLS, with stores from {@code crucible.cluster.tls} in config. */
    public static ClusterSecurity unset() {
        return new ClusterSecurity(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Plain TCP, for nodes on one machine's loopback address. */
    public static ClusterSecurity insecureLoopback() {
        return new ClusterSecurity(Optional.of(ClusterTransport.INSECURE_TCP), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    /** {@code cluster} with the values given here laid over it ({@code crucible.cluster} keys). */
    public Config over(Config cluster) {
        Config c = cluster;
        if (transport.isPresent()) {
            c = c.withValue("transport", ConfigValueFactory.fromAnyRef(transport.get()));
        }
        if (keyStore.isPresent()) {
            c = c.withValue("tls.key-store", ConfigValueFactory.fromAnyRef(keyStore.get().toString()));
        }
        if (trustStore.isPresent()) {
            c = c.withValue("tls.trust-store", ConfigValueFactory.fromAnyRef(trustStore.get().toString()));
        }
        if (passwordFile.isPresent()) {
            c = c.withValue("tls.password-file", ConfigValueFactory.fromAnyRef(passwordFile.get().toString()));
        }
        if (allowInsecureRemote.isPresent()) {
            c = c.withValue("allow-insecure-remote", ConfigValueFactory.fromAnyRef(allowInsecureRemote.get()));
        }
        return c;
    }
}
