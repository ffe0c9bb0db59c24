package dev.crucible.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How cluster nodes talk ({@code crucible.cluster.transport}): {@code tls}, the default, is Pekko
 * Artery's {@code tls-tcp} with mutual authentication, so only a node holding a key the cluster's
 * trust store trusts can connect, and therefore join and submit work; {@code insecure-tcp} is plain TCP
 * that anyone reaching the port can use, allowed on loopback addresses only (tests, one machine) unless
 * {@code allow-insecure-remote} says otherwise.
 *
 * @param insecure            plain TCP instead of TLS
 * @param keyStore            PKCS12 key store with this node's private key and certificate (TLS)
 * @param trustStore          PKCS12 trust store with the certificate(s) of the cluster's nodes or their CA (TLS)
 * @param passwordFile        file whose first line is the password of both stores and the key; empty: the
 *                            {@value #PASSWORD_ENV} environment variable (a Kubernetes secret reference)
 * @param allowInsecureRemote permit {@code insecure-tcp} on an address other machines can reach
 */
public record ClusterTransport(boolean insecure, String keyStore, String trustStore, String passwordFile,
                               boolean allowInsecureRemote) {

    /** Where the store password comes from without a password file. */
    public static final String PASSWORD_ENV = "CRUCIBLE_CLUSTER_TLS_PASSWORD";

    /** The {@code transport} value of TLS. */
    public static final String TLS = "tls";

    /** The {@code transport} value of plain TCP, named so nobody picks it by accident. */
    public static final String INSECURE_TCP = "insecure-tcp";

    private static final Pattern IPV4_LOOPBACK = Pattern.compile("127(\\.\\d{1,3}){3}");

    public ClusterTransport {
        keyStore = keyStore == null ? "" : keyStore.strip();
        trustStore = trustStore == null ? "" : trustStore.strip();
        passwordFile = passwordFile == null ? "" : passwordFile.strip();
    }

    /** Reads {@code transport}, {@code tls.*} and {@code allow-insecure-remote} of a {@code crucible.cluster} block. */
    public static ClusterTransport fromConfig(Config cluster) {
        try {
            String transport = cluster.getString("transport");
            if (!transport.equals(TLS) && !transport.equals(INSECURE_TCP)) {
                throw new CrucibleException("crucible.cluster.transport: unknown value '" + transport + "' (use " + TLS
                        + ", or " + INSECURE_TCP + " on loopback)");
            }
            Config tls = cluster.getConfig("tls");
            return new ClusterTransport(transport.equals(INSECURE_TCP), tls.getString("key-store"),
                    tls.getString("trust-store"), tls.getString("password-file"), cluster.getBoolean("allow-insecure-remote"));
        } catch (ConfigException e) {
            throw new CrucibleException("crucible.cluster: " + e.getMessage(), e);
        }
    }

    /** The Artery settings this transport decides, without secrets (those are added when a node starts). */
    public Config pekkoConfig() {
        if (insecure) {
            return ConfigFactory.empty().withValue("pekko.remote.artery.transport", ConfigValueFactory.fromAnyRef("tcp"));
        }
        String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
        return ConfigFactory.empty()
                .withValue("pekko.remote.artery.transport", ConfigValueFactory.fromAnyRef("tls-tcp"))
                .withValue(engine + "key-store", ConfigValueFactory.fromAnyRef(keyStore))
                .withValue(engine + "trust-store", ConfigValueFactory.fromAnyRef(trustStore))
                // The point of it: the accepting side, too, asks for a certificate it trusts.
                .withValue(engine + "require-mutual-authentication", ConfigValueFactory.fromAnyRef(true))
                // Pods come and go under changing addresses; trust comes from the certificate chain, not the name.
                .withValue(engine + "hostname-verification", ConfigValueFactory.fromAnyRef(false));
    }

    /**
     * The settings a node starts with: {@code full} (every layer resolved) plus the store passwords for
     * TLS; refuses a TLS node whose stores or password are missing, and plain TCP on an address other
     * than loopback unless {@code allowInsecureRemote}. Checked on the final config, so {@code -D}
     * overrides of the transport or hostname cannot slip past it.
     */
    public Config secure(Config full) {
        String transport = full.getString("pekko.remote.artery.transport");
        if (transport.equals("tcp")) {
            String host = full.getString("pekko.remote.artery.canonical.hostname");
            String bind = full.hasPath("pekko.remote.artery.bind.hostname")
                    && !full.getString("pekko.remote.artery.bind.hostname").isBlank()
                    ? full.getString("pekko.remote.artery.bind.hostname") : host;
            if (!allowInsecureRemote && !(isLoopback(host) && isLoopback(bind))) {
                throw new CrucibleException("crucible.cluster.transport = " + INSECURE_TCP + " (--insecure-tcp) on " + bind
                        + ": plain TCP lets anyone who reaches the port join the cluster; use transport = " + TLS
                        + " with key and trust stores, bind to 127.0.0.1, or set allow-insecure-remote = on "
                        + "(--allow-insecure-remote) on a network you trust");
            }
            return full;
        }
        if (!transport.equals("tls-tcp")) {
            throw new CrucibleException("pekko.remote.artery.transport = " + transport + " is not supported; use crucible.cluster.transport");
        }
        String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
        requireFile(full.getString(engine + "key-store"), "crucible.cluster.tls.key-store (--tls-key-store)",
                "this node's PKCS12 key store");
        requireFile(full.getString(engine + "trust-store"), "crucible.cluster.tls.trust-store (--tls-trust-store)",
                "the PKCS12 trust store with the cluster's certificate");
        String password = password();
        return ConfigFactory.empty()
                .withValue(engine + "key-store-password", ConfigValueFactory.fromAnyRef(password))
                .withValue(engine + "key-password", ConfigValueFactory.fromAnyRef(password))
                .withValue(engine + "trust-store-password", ConfigValueFactory.fromAnyRef(password))
                .withFallback(full);
    }

    private String password() {
        if (!passwordFile.isEmpty()) {
            try {
                String first = Files.readString(Path.of(passwordFile), StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
                if (first.isEmpty()) {
                    throw new CrucibleException("crucible.cluster.tls.password-file (--tls-password-file) " + passwordFile
                            + ": the first line is empty; put the store password there");
                }
                return first;
            } catch (IOException e) {
                throw new CrucibleException("crucible.cluster.tls.password-file (--tls-password-file) " + passwordFile
                        + ": cannot read (" + e.getMessage() + ")");
            }
        }
        String env = System.getenv(PASSWORD_ENV);
        if (env == null || env.isBlank()) {
            throw new CrucibleException("crucible.cluster.tls: no store password; set tls.password-file (--tls-password-file) "
                    + "or the " + PASSWORD_ENV + " environment variable");
        }
        return env.strip();
    }

    private static void requireFile(String path, String key, String what) {
        if (path.isBlank()) {
            throw new CrucibleException(key + " is not set: cluster nodes authenticate each other with TLS; give " + what
                    + " (see k8s/README.md), or use transport = " + INSECURE_TCP + " on 127.0.0.1");
        }
        if (!Files.isReadable(Path.of(path))) {
            throw new CrucibleException(key + " " + path + ": no such readable file; give " + what);
        }
    }

    /** Whether {@code host} is a loopback address, judged from its text alone (no name lookup). */
    static boolean isLoopback(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost") || IPV4_LOOPBACK.matcher(h).matches()) {
            return true;
        }
        if (h.contains(":")) {
            try {
                return InetAddress.getByName(h).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }
}
