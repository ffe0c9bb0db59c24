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
}
