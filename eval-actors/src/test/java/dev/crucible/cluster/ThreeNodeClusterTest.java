package dev.crucible.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.crucible.eval.EvaluationResult;
import dev.crucible.eval.EvaluationSession;
import dev.crucible.eval.Evaluator;
import dev.crucible.eval.ModelLoader;
import dev.crucible.eval.ModelRef;
import dev.crucible.eval.PoolSettings;
import dev.crucible.eval.RecipeModelLoader;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.task.Task;
import dev.crucible.task.TaskFiles;
import dev.crucible.task.TaskLoader;
import dev.crucible.task.TaskScore;
import dev.crucible.task.TaskSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three nodes on loopback: the coordinator's pool (node 1) spreads recipe candidates over the
 * evaluators of all three; node 3 dies while it holds a batch, and that batch is scored elsewhere,
 * so every candidate ends with the scores a single-node run gives.
 */
class ThreeNodeClusterTest {

    static final Path ZOO = TaskFiles.zoo();

    static final Config FAST = ConfigFactory.parseString("""
            pekko.loglevel = WARNING
            pekko.log-dead-letters = off
            pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
            pekko.cluster.gossip-interval = 200 ms
            pekko.cluster.seed-node-timeout = 1 s
            pekko.cluster.retry-unsuccessful-join-after = 1 s
            pekko.cluster.leader-actions-interval = 200 ms
            pekko.cluster.failure-detector.heartbeat-interval = 200 ms
            pekko.cluster.failure-detector.acceptable-heartbeat-pause = 3 s
            pekko.cluster.typed.receptionist.distributed-data.gossip-interval = 200 ms
            pekko.cluster.typed.receptionist.distributed-data.notify-subscribers-interval = 100 ms
            pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            pekko.coordinated-shutdown.phases.cluster-exiting.timeout = 2 s
            pekko.coordinated-shutdown.phases.cluster-leave.timeout = 2 s
            crucible.model-dispatcher.thread-pool-executor.fixed-pool-size = 2
            """).withFallback(ConfigFactory.load());

    /** Node 3 crashes rather than leaving: no goodbye, the others must notice it is gone. */
    static final Config CRASHING = ConfigFactory.parseString(
            "pekko.coordinated-shutdown.run-by-actor-system-terminate = off").withFallback(FAST);

    /** Long enough that only noticing the lost node, never a timeout, can explain a re-dispatch. */
    static final PoolSettings SETTINGS = new PoolSettings(6, Duration.ofMinutes(5), 3, Duration.ofSeconds(30));

    static final Duration TIMEOUT = Duration.ofSeconds(40);

    static final Map<String, String> CANDIDATES = candidates();

    final List<AutoCloseable> cleanup = new ArrayList<>();
    final ExecutorService starters = Executors.newVirtualThreadPerTaskExecutor();
    final CountDownLatch everyNodeLoading = new CountDownLatch(3);
    final CountDownLatch crashed = new CountDownLatch(1);

    @AfterEach
    void stop() throws Exception {
        crashed.countDown();
        Exception first = null;
        for (AutoCloseable closeable : cleanup.reversed()) {
            try {
                closeable.close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        starters.close();
        if (first != null) {
            throw first;
        }
    }

    static Map<String, String> candidates() {
        Map<String, String> recipes = new LinkedHashMap<>();
        recipes.put("linear", """
                merge_method: linear
                models:
                  - {model: expert-add, parameters: {weight: 0.4}}
                  - {model: expert-rev, parameters: {weight: 0.6}}
                """);
        recipes.put("ties", """
                merge_method: ties
                base_model: base
                models:
                  - {model: expert-add, parameters: {weight: 1.0, density: 0.5}}
                  - {model: expert-rev, parameters: {weight: 1.0, density: 0.5}}
                """);
        recipes.put("dare-ties", """
                merge_method: dare_ties
                base_model: base
                models:
                  - {model: expert-add, parameters: {weight: 1.0, density: 0.6}}
                  - {model: expert-rev, parameters: {weight: 1.0, density: 0.6}}
                """);
        return recipes;
    }

    static List<ModelRef> refs() {
        return CANDIDATES.entrySet().stream()
                .<ModelRef>map(entry -> new ModelRef.Recipe(entry.getKey(), entry.getValue(), ZOO, 11)).toList();
    }

    static List<Task> tasks() {
        return List.of(TaskLoader.load(TaskSpec.of("add", ZOO.resolve("add_dev.jsonl"))).limit(12),
                TaskLoader.load(TaskSpec.of("rev", ZOO.resolve("rev_dev.jsonl"))).limit(12));
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ClusterMembership membership(int seedPort, int port) {
        return ClusterMembership.fromConfig(ConfigFactory.parseString("""
                seed-nodes = ["127.0.0.1:%d"]
                host = "127.0.0.1"
                port = %d
                transport = insecure-tcp
                down-unreachable-after = 1 s
                """.formatted(seedPort, port)).withFallback(ConfigFactory.load().getConfig("crucible.cluster")));
    }

    /**
     * Counts loads; its node's first load waits until every node is loading, so each node provably takes
     * work. A crashing node's first load then hangs until after the crash, so its batch never comes back.
     */
    final class NodeLoader implements ModelLoader, AutoCloseable {
        final RecipeModelLoader recipes = new RecipeModelLoader(1, 2);
        final AtomicInteger loads = new AtomicInteger();
        final boolean crashes;

        NodeLoader(boolean crashes) {
            this.crashes = crashes;
        }

        @Override
        public LanguageModel load(ModelRef ref) {
            if (loads.getAndIncrement() == 0) {
                everyNodeLoading.countDown();
                await(crashes ? crashed : everyNodeLoading);
            }
            return recipes.load(ref);
        }

        @Override
        public void close() {
            recipes.close();
        }
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Map<String, EvaluationResult> singleNodeScores() {
        try (RecipeModelLoader loader = new RecipeModelLoader(2, 2);
             EvaluationSession local = EvaluationSession.start(1, loader, SETTINGS, FAST)) {
            Map<String, EvaluationResult> scores = new LinkedHashMap<>();
            for (ModelRef ref : refs()) {
                scores.put(ref.id(), local.evaluate(ref, tasks(), TIMEOUT));
            }
            return scores;
        }
    }

    <T extends AutoCloseable> T closeLater(T closeable) {
        cleanup.add(closeable);
        return closeable;
    }

    <T extends AutoCloseable> CompletableFuture<T> startLater(Supplier<T> start) {
        CompletableFuture<T> started = CompletableFuture.supplyAsync(start, starters);
        cleanup.add(() -> started.join().close());
        return started;
    }

    @Test
    void workSpreadsOverEveryNodeAndALostNodesBatchIsScoredElsewhere() throws Exception {
        int seedPort = freePort();
        NodeLoader coordinatorLoader = closeLater(new NodeLoader(false));
        NodeLoader workerLoader = closeLater(new NodeLoader(false));
        NodeLoader crashingLoader = closeLater(new NodeLoader(true));
        // The nodes start and form the cluster while the single-node reference runs.
        CompletableFuture<EvaluationSession> coordinatorStart = startLater(() -> ClusterNode.coordinator(
                membership(seedPort, seedPort), 1, coordinatorLoader, SETTINGS, BootstrapHook.NONE, FAST));
        startLater(() -> ClusterNode.worker(membership(seedPort, freePort()), 1, workerLoader, BootstrapHook.NONE, FAST));
        CompletableFuture<ClusterNode> doomedStart = startLater(() -> ClusterNode.worker(
                membership(seedPort, freePort()), 1, crashingLoader, BootstrapHook.NONE, CRASHING));
        Map<String, EvaluationResult> expected = singleNodeScores();
        EvaluationSession coordinator = coordinatorStart.join();
        ClusterNode doomed = doomedStart.join();
        awaitThreeEvaluators(coordinator);

        ExecutorService callers = closeLater(Executors.newVirtualThreadPerTaskExecutor());
        Map<String, CompletableFuture<EvaluationResult>> running = new LinkedHashMap<>();
        for (ModelRef ref : refs()) {
            running.put(ref.id(), CompletableFuture.supplyAsync(() -> coordinator.evaluate(ref, tasks(), TIMEOUT), callers));
        }
        assertThat(everyNodeLoading.await(20, TimeUnit.SECONDS)).as("every node took a batch").isTrue();
        doomed.close();
        crashed.countDown();

        for (Map.Entry<String, CompletableFuture<EvaluationResult>> candidate : running.entrySet()) {
            EvaluationResult result = candidate.getValue().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertThat(result.allOk()).as("failures of %s: %s", candidate.getKey(), result.scores()).isTrue();
            for (TaskScore score : result.scores().values()) {
                TaskScore single = expected.get(candidate.getKey()).scores().get(score.task());
                assertThat(score.n()).isEqualTo(single.n());
                assertThat(score.score()).as("%s on %s", candidate.getKey(), score.task()).isEqualTo(single.score());
            }
        }
        assertThat(crashingLoader.loads.get()).isEqualTo(1);
        assertThat(coordinatorLoader.loads.get()).isPositive();
        assertThat(workerLoader.loads.get()).isPositive();
    }

    /** Until the cluster is up and the coordinator's Receptionist lists all three evaluators. */
    static void awaitThreeEvaluators(EvaluationSession coordinator) {
        TestProbe<Receptionist.Listing> listing = TestProbe.create(coordinator.system());
        listing.awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(200), () -> {
            assertThat(Cluster.get(coordinator.system()).state().getMembers())
                    .hasSize(3).allMatch(member -> member.status() == MemberStatus.up());
            coordinator.system().receptionist().tell(Receptionist.find(Evaluator.SERVICE_KEY, listing.getRef()));
            assertThat(listing.receiveMessage().getServiceInstances(Evaluator.SERVICE_KEY)).hasSize(3);
            return null;
        });
    }
}
