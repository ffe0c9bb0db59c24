package dev.crucible.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.crucible.cluster.BootstrapHook;
import dev.crucible.cluster.ClusterMembership;
import dev.crucible.cluster.ClusterNode;
import dev.crucible.cluster.JoinMethod;
import dev.crucible.error.CrucibleException;
import dev.crucible.eval.EvaluationSession;
import dev.crucible.eval.Evaluator;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;

/** The app config's {@code cluster:} section becomes a cluster membership, and through it the Pekko settings. */
class ClusterConfigTest {

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void seedNodeDiscoveryListsTheSeedsAndThePort() {
        ClusterSettings settings = new ClusterSettings(true, List.of("pekko://crucible-eval@10.0.0.5:7355"), Discovery.CONFIG,
                7400, 7626, Optional.of("10.0.0.6"));

        // The mapping alone: starting such a node needs the TLS stores (ClusterSecurityTest).
        Config config = settings.membership().pekkoConfig().withFallback(ConfigFactory.load()).resolve();

        assertThat(config.getString("pekko.actor.provider")).isEqualTo("cluster");
        assertThat(config.getStringList("pekko.cluster.seed-nodes")).containsExactly("pekko://crucible-eval@10.0.0.5:7355");
        assertThat(config.getInt("pekko.remote.artery.canonical.port")).isEqualTo(7400);
        assertThat(config.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("10.0.0.6");
    }

    @Test
    void kubernetesDiscoveryBootstrapsThroughTheKubernetesApi() {
        ClusterSettings settings = new ClusterSettings(true, List.of(), Discovery.KUBERNETES, 7355, 7700, Optional.empty());

        ClusterMembership membership = settings.membership();
        Config config = membership.pekkoConfig().withFallback(ConfigFactory.load()).resolve();

        assertThat(membership.joinMethod()).isEqualTo(JoinMethod.KUBERNETES);
        assertThat(config.getStringList("pekko.cluster.seed-nodes")).isEmpty();
        assertThat(config.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"))
                .isEqualTo("kubernetes-api");
        assertThat(config.getString("pekko.discovery.kubernetes-api.pod-label-selector")).isEqualTo("crucible.dev/cluster=%s");
        assertThat(config.getInt("pekko.management.http.port")).isEqualTo(7700);
        // The discovery method named must be one Pekko knows, with its implementation class configured.
        assertThat(config.getString("pekko.discovery.kubernetes-api.class")).contains("KubernetesApiServiceDiscovery");
    }

    @Test
    void keysTheAppConfigHasNoSayInComeFromCrucibleCluster() {
        ClusterSettings settings = new ClusterSettings(true, List.of("pekko://crucible-eval@10.0.0.5:7355"), Discovery.CONFIG,
                7400, 7626, Optional.empty());

        ClusterMembership membership = settings.membership(ConfigFactory.parseString("down-unreachable-after = 7 s")
                .withFallback(ConfigFactory.load().getConfig("crucible.cluster")));

        assertThat(membership.downUnreachableAfter()).isEqualTo(Duration.ofSeconds(7));
        assertThat(membership.host()).as("no host: Pekko's default").isEmpty();
    }

    @Test
    void onlyKubernetesDiscoveryStartsClusterBootstrap() {
        assertThat(ClusterJoin.hook(JoinMethod.SEED_NODES)).isSameAs(BootstrapHook.NONE);
        assertThat(ClusterJoin.hook(JoinMethod.KUBERNETES)).isNotSameAs(BootstrapHook.NONE);
    }

    @Test
    void aWorkerJoinsTheRunsPoolAndItsEvaluatorsReachIt() throws Exception {
        int seedPort = freePort();
        int workerPort = freePort();
        String seed = "pekko://" + ClusterSettings.SYSTEM_NAME + "@127.0.0.1:" + seedPort;
        ClusterSettings coordinator = new ClusterSettings(true, List.of(seed), Discovery.CONFIG, seedPort, 0, Optional.of("127.0.0.1"),
                ClusterSecurity.insecureLoopback());
        ClusterSettings worker = new ClusterSettings(true, List.of(seed), Discovery.CONFIG, workerPort, 0, Optional.of("127.0.0.1"),
                ClusterSecurity.insecureLoopback());
        dev.crucible.eval.ModelLoader noModels = ref -> {
            throw new CrucibleException("no models in this test");
        };
        try (EvaluationSession session = RemergeApp.evaluationSession(coordinator);
             ClusterNode node = ClusterNode.worker(worker.membership(), 2, noModels, BootstrapHook.NONE)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int members = 0;
            int evaluators = 0;
            while ((members < 2 || evaluators < 3) && System.nanoTime() < deadline) {
                Thread.sleep(200);
                members = 0;
                for (org.apache.pekko.cluster.Member m : Cluster.get(session.system()).state().getMembers()) {
                    members += m.status() == org.apache.pekko.cluster.MemberStatus.up() ? 1 : 0;
                }
                Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
                        session.system().receptionist(), reply -> Receptionist.find(Evaluator.SERVICE_KEY, reply),
                        Duration.ofSeconds(3), session.system().scheduler()).toCompletableFuture().get(5, TimeUnit.SECONDS);
                evaluators = listing.getServiceInstances(Evaluator.SERVICE_KEY).size();
            }

            assertThat(members).isEqualTo(2);
            assertThat(evaluators).as("1 local + 2 on the worker").isEqualTo(3);
        }
    }
}
