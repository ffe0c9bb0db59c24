package dev.crucible.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.crucible.error.CrucibleException;
import dev.crucible.eval.ModelLoader;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@code crucible.cluster} keys become the right Pekko settings, or one clear error. */
class ClusterMembershipTest {

    static final Config DEFAULTS = ConfigFactory.load().getConfig("crucible.cluster");

    static Config cluster(String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(DEFAULTS);
    }

    @Test
    void seedNodesAreWrittenAsAddressesOfTheEvaluationSystem() {
        ClusterMembership membership = ClusterMembership.fromConfig(cluster("""
                seed-nodes = ["10.0.0.1:7355", "pekko://crucible-eval@10.0.0.2:7400", "[::1]:7355"]
                host = "10.0.0.3"
                port = 7356
                """));

        assertThat(membership.seedNodes()).containsExactly("pekko://crucible-eval@10.0.0.1:7355",
                "pekko://crucible-eval@10.0.0.2:7400", "pekko://crucible-eval@[::1]:7355");
        Config pekko = membership.pekkoConfig();
        assertThat(pekko.getString("pekko.actor.provider")).isEqualTo("cluster");
        assertThat(pekko.getStringList("pekko.cluster.seed-nodes")).isEqualTo(membership.seedNodes());
        assertThat(pekko.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("10.0.0.3");
        assertThat(pekko.getInt("pekko.remote.artery.canonical.port")).isEqualTo(7356);
        assertThat(pekko.getDuration("pekko.cluster.split-brain-resolver.stable-after")).isEqualTo(Duration.ofSeconds(20));
        assertThat(pekko.getString("pekko.cluster.downing-provider-class")).endsWith("SplitBrainResolverProvider");
        assertThat(pekko.hasPath("pekko.management.cluster.bootstrap")).isFalse();
    }

    @Test
    void kubernetesDiscoveryConfiguresClusterBootstrapAndNeedsNoSeeds() {
        ClusterMembership membership = ClusterMembership.fromConfig(cluster("discovery = kubernetes"));

        Config pekko = membership.pekkoConfig();
        assertThat(pekko.hasPath("pekko.cluster.seed-nodes")).isFalse();
        assertThat(pekko.hasPath("pekko.remote.artery.canonical.hostname")).isFalse();
        assertThat(pekko.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"))
                .isEqualTo("kubernetes-api");
        assertThat(pekko.getString("pekko.management.cluster.bootstrap.contact-point-discovery.service-name"))
                .isEqualTo("crucible-eval");
        assertThat(pekko.getString("pekko.discovery.kubernetes-api.pod-label-selector"))
                .isEqualTo("crucible.dev/cluster=%s");
        assertThat(pekko.getInt("pekko.management.http.port")).isEqualTo(7626);
    }

    @Test
    void badSettingsNameTheKeyAndTheFix() {
        assertThatThrownBy(() -> ClusterMembership.fromConfig(DEFAULTS))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("seed-nodes").hasMessageContaining("host:port");
        assertThatThrownBy(() -> ClusterMembership.fromConfig(cluster("seed-nodes = [\"10.0.0.1\"]")))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("'10.0.0.1' is not host:port");
        assertThatThrownBy(() -> ClusterMembership.fromConfig(cluster("seed-nodes = [\"pekko://other@h:1\"]")))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("'other'");
        assertThatThrownBy(() -> ClusterMembership.fromConfig(cluster("discovery = dns")))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("discovery").hasMessageContaining("dns");
        assertThatThrownBy(() -> ClusterMembership.fromConfig(cluster("seed-nodes = [\"h:1\"], port = 70000")))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> ClusterMembership.fromConfig(cluster("seed-nodes = [\"h:1\"], port = many")))
                .isInstanceOf(CrucibleException.class).hasMessageStartingWith("crucible.cluster: ");
    }

    @Test
    void kubernetesWithoutTheBootstrapHookIsRefusedBeforeAnythingStarts() {
        ClusterMembership kubernetes = ClusterMembership.fromConfig(cluster("discovery = kubernetes"));

        assertThatThrownBy(() -> ClusterNode.worker(kubernetes, 1, ModelLoader.standard(), BootstrapHook.NONE))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("Cluster Bootstrap");
    }

    @Test
    void tlsWithMutualAuthenticationIsTheDefaultAndNeedsItsStores() {
        ClusterMembership membership = ClusterMembership.fromConfig(cluster("""
                seed-nodes = ["10.0.0.1:7355"]
                host = "10.0.0.3"
                tls.key-store = "/etc/crucible/cluster-tls/keystore.p12"
                tls.trust-store = "/etc/crucible/cluster-tls/truststore.p12"
                """));

        Config pekko = membership.pekkoConfig();
        assertThat(pekko.getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
        assertThat(pekko.getBoolean("pekko.remote.artery.ssl.config-ssl-engine.require-mutual-authentication")).isTrue();
        assertThat(pekko.getString("pekko.remote.artery.ssl.config-ssl-engine.key-store"))
                .isEqualTo("/etc/crucible/cluster-tls/keystore.p12");
        assertThat(pekko.hasPath("pekko.remote.artery.ssl.config-ssl-engine.key-store-password")).isFalse();
        assertThatThrownBy(() -> ClusterNode.config(membership, ConfigFactory.load()))
                .isInstanceOf(CrucibleException.class)
                .hasMessage("crucible.cluster.tls.key-store (--tls-key-store) /etc/crucible/cluster-tls/keystore.p12: "
                        + "no such readable file; give this node's PKCS12 key store");
        assertThatThrownBy(() -> ClusterNode.config(ClusterMembership.fromConfig(cluster("seed-nodes = [\"h:1\"]")),
                ConfigFactory.load()))
                .isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("crucible.cluster.tls.key-store (--tls-key-store) is not set");
    }

    @Test
    void plainTcpIsAllowedOnLoopbackOnlyUnlessExplicitlyAllowed() {
        Config loopback = ClusterNode.config(ClusterMembership.fromConfig(cluster(
                "seed-nodes = [\"127.0.0.1:7355\"], host = \"127.0.0.1\", transport = insecure-tcp")), ConfigFactory.load());
        assertThat(loopback.getString("pekko.remote.artery.transport")).isEqualTo("tcp");

        ClusterMembership exposed = ClusterMembership.fromConfig(cluster(
                "seed-nodes = [\"10.0.0.1:7355\"], host = \"10.0.0.3\", transport = insecure-tcp"));
        assertThatThrownBy(() -> ClusterNode.config(exposed, ConfigFactory.load()))
                .isInstanceOf(CrucibleException.class).hasMessageStartingWith(
                        "crucible.cluster.transport = insecure-tcp (--insecure-tcp) on 10.0.0.3: plain TCP lets anyone");
        // An empty host means this host's address, which other machines reach.
        assertThatThrownBy(() -> ClusterNode.config(ClusterMembership.fromConfig(cluster(
                "seed-nodes = [\"10.0.0.1:7355\"], transport = insecure-tcp")), ConfigFactory.load()))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("plain TCP");
        Config allowed = ClusterNode.config(ClusterMembership.fromConfig(cluster(
                "seed-nodes = [\"10.0.0.1:7355\"], host = \"10.0.0.3\", transport = insecure-tcp, allow-insecure-remote = on")),
                ConfigFactory.load());
        assertThat(allowed.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("10.0.0.3");
        assertThatThrownBy(() -> ClusterMembership.fromConfig(cluster("seed-nodes = [\"h:1\"], transport = udp")))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("crucible.cluster.transport: unknown value 'udp'");
    }

    @Test
    void loopbackIsJudgedFromTheAddressText() {
        assertThat(ClusterTransport.isLoopback("127.0.0.1")).isTrue();
        assertThat(ClusterTransport.isLoopback("127.1.2.3")).isTrue();
        assertThat(ClusterTransport.isLoopback("localhost")).isTrue();
        assertThat(ClusterTransport.isLoopback("[::1]")).isTrue();
        assertThat(ClusterTransport.isLoopback("::1")).isTrue();
        assertThat(ClusterTransport.isLoopback("10.0.0.3")).isFalse();
        assertThat(ClusterTransport.isLoopback("0.0.0.0")).isFalse();
        assertThat(ClusterTransport.isLoopback("my-pod.cluster.local")).isFalse();
        assertThat(ClusterTransport.isLoopback("<getHostAddress>")).isFalse();
    }
}
