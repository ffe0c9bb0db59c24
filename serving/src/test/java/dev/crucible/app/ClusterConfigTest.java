package dev.crucible.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import dev.crucible.error.CrucibleException;
import dev.crucible.eval.EvaluationSession;
import dev.crucible.eval.Evaluator;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;

class ClusterConfigTest {

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aDisabledClusterLeavesTheActorSystemLocal() {
        assertThat(ClusterConfig.forEvaluation(ClusterSettings.disabled()).getString("pekko.actor.provider")).isEqualTo("local");
    }

    @Test
    void seedNodeDiscoveryListsTheSeedsAndThePort() {
        ClusterSettings settings = new ClusterSettings(true, List.of("pekko://crucible-eval@10.0.0.5:7355"), Discovery.CONFIG,
                7400, 7626, Optional.of("10.0.0.6"));

        Config config = ClusterConfig.forEvaluation(settings);

        assertThat(config.getString("pekko.actor.provider")).isEqualTo("cluster");
        assertThat(config.getStringList("pekko.cluster.seed-nodes")).containsExactly("pekko://crucible-eval@10.0.0.5:7355");
        assertThat(config.getInt("pekko.remote.artery.canonical.port")).isEqualTo(7400);
        assertThat(config.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("10.0.0.6");
    }

    @Test
    void kubernetesDiscoveryBootstrapsThroughTheKubernetesApi() {
        ClusterSettings settings = new ClusterSettings(true, List.of(), Discovery.KUBERNETES, 7355, 7626, Optional.empty());

        Config config = ClusterConfig.forEvaluation(settings);

        assertThat(config.getStringList("pekko.cluster.seed-nodes")).isEmpty();
        assertThat(config.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"))
                .isEqualTo("kubernetes-api");
        assertThat(config.getString("pekko.discovery.kubernetes-api.pod-label-selector")).isEqualTo("crucible.dev/cluster=%s");
        // The discovery method named must be one Pekko knows, with its implementation class configured.
        assertThat(config.getString("pekko.discovery.kubernetes-api.class")).contains("KubernetesApiServiceDiscovery");
    }

    @Test
    void aWorkerJoinsTheSeedAndItsEvaluatorsReachThePool() throws Exception {
        int seedPort = freePort();
        int workerPort = freePort();
        String seed = "pekko://" + ClusterSettings.SYSTEM_NAME + "@127.0.0.1:" + seedPort;
        ClusterSettings coordinator = new ClusterSettings(true, List.of(seed), Discovery.CONFIG, seedPort, 0, Optional.of("127.0.0.1"));
        ClusterSettings worker = new ClusterSettings(true, List.of(seed), Discovery.CONFIG, workerPort, 0, Optional.of("127.0.0.1"));
        dev.crucible.eval.ModelLoader noModels = ref -> {
            throw new CrucibleException("no models in this test");
        };
        try (EvaluationSession session = EvaluationSession.start(1, noModels, EvaluationSession.defaultSettings(),
                ClusterConfig.forEvaluation(coordinator))) {
            ActorSystem<Void> node = WorkerCommand.start(worker, 2, noModels);
            try {
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
            } finally {
                node.terminate();
                node.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
    }
}
