package dev.crucible.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.crucible.cluster.ClusterMembership;
import dev.crucible.cluster.ClusterNode;
import dev.crucible.error.CrucibleException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The cluster's transport and TLS stores, from APP.yml's {@code cluster:} section and from the worker's flags. */
class ClusterSecurityTest {

    static final Config DEFAULTS = ConfigFactory.load().getConfig("crucible.cluster");

    @TempDir
    Path dir;

    @Test
    void theAppConfigNamesTheStoresRelativeToItsFolder() throws Exception {
        Files.writeString(dir.resolve("keystore.p12"), "k");
        Files.writeString(dir.resolve("truststore.p12"), "t");
        Files.writeString(dir.resolve("password"), "pw\n");
        Path app = Files.writeString(dir.resolve("app.yml"), """
                recipe: recipe.yml
                initial_base: base
                bases_dir: bases
                tasks: [{name: add, path: add.jsonl}]
                gates: {max_task_drop: 0.02}
                state_dir: state
                cluster:
                  enabled: true
                  seed_nodes: ["pekko://crucible-eval@10.0.0.5:7355"]
                  host: 10.0.0.6
                  tls: {key_store: keystore.p12, trust_store: truststore.p12, password_file: password}
                """);

        ClusterMembership membership = AppConfigParser.parse(app).cluster().membership(DEFAULTS);
        Config node = ClusterNode.config(membership, ConfigFactory.load());

        String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
        assertThat(node.getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
        assertThat(node.getString(engine + "key-store")).isEqualTo(dir.resolve("keystore.p12").toString());
        assertThat(node.getString(engine + "trust-store")).isEqualTo(dir.resolve("truststore.p12").toString());
        assertThat(node.getString(engine + "key-store-password")).isEqualTo("pw");
        assertThat(node.getBoolean(engine + "require-mutual-authentication")).isTrue();
    }

    @Test
    void anUnknownTransportOrKeyIsAConfigError() throws Exception {
        Path app = Files.writeString(dir.resolve("app.yml"), """
                recipe: recipe.yml
                initial_base: base
                bases_dir: bases
                tasks: [{name: add, path: add.jsonl}]
                gates: {max_task_drop: 0.02}
                state_dir: state
                cluster: {enabled: true, seed_nodes: ["pekko://crucible-eval@10.0.0.5:7355"], transport: tcp}
                """);
        assertThatThrownBy(() -> AppConfigParser.parse(app)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("cluster.transport: unknown value 'tcp'");
        Files.writeString(app, Files.readString(app).replace("transport: tcp", "tls: {keystore: k.p12}"));
        assertThatThrownBy(() -> AppConfigParser.parse(app)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("keystore");
    }

    @Test
    void workerFlagsChooseTheStoresOrPlainTcp() throws Exception {
        WorkerCommand tls = new WorkerCommand();
        new CommandLine(tls).parseArgs("--seed-nodes", "10.0.0.5:7355", "--host", "10.0.0.6",
                "--tls-key-store", "/secrets/keystore.p12", "--tls-trust-store", "/secrets/truststore.p12",
                "--tls-password-file", "/secrets/password");
        Config pekko = tls.membership(DEFAULTS).pekkoConfig();
        assertThat(pekko.getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
        assertThat(pekko.getString("pekko.remote.artery.ssl.config-ssl-engine.key-store")).isEqualTo("/secrets/keystore.p12");

        WorkerCommand plain = new WorkerCommand();
        new CommandLine(plain).parseArgs("--seed-nodes", "10.0.0.5:7355", "--host", "10.0.0.6", "--insecure-tcp");
        assertThatThrownBy(() -> ClusterNode.config(plain.membership(DEFAULTS), ConfigFactory.load()))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("--allow-insecure-remote");
        WorkerCommand allowed = new WorkerCommand();
        new CommandLine(allowed).parseArgs("--seed-nodes", "10.0.0.5:7355", "--host", "10.0.0.6", "--insecure-tcp",
                "--allow-insecure-remote");
        assertThat(ClusterNode.config(allowed.membership(DEFAULTS), ConfigFactory.load())
                .getString("pekko.remote.artery.transport")).isEqualTo("tcp");
    }
}
