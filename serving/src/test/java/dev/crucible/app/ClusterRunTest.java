package dev.crucible.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.crucible.cluster.BootstrapHook;
import dev.crucible.cluster.ClusterNode;
import dev.crucible.eval.EvaluationSession;
import dev.crucible.eval.ModelLoader;
import dev.crucible.eval.ModelRef;
import dev.crucible.eval.RecipeModelLoader;
import dev.crucible.fixtures.Fixtures;
import dev.crucible.remerge.Champion;
import dev.crucible.remerge.Decision;
import dev.crucible.remerge.HistoryEntry;
import dev.crucible.remerge.PoolScorer;
import dev.crucible.remerge.RecipeMerger;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.runtime.LanguageModels;
import dev.crucible.task.TaskLoader;
import dev.crucible.task.TaskScore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crucible run} with {@code cluster.enabled} on two loopback nodes: the coordinator runs no
 * evaluator of its own, so the first champion is scored by a {@code crucible worker}-style node, which
 * is sent the candidate as its recipe and merges it itself; the scores match those of the folder the
 * coordinator wrote and serves.
 */
class ClusterRunTest {

    private static final Path ZOO = Fixtures.zoo();

    private static final Config FAST = ConfigFactory.parseString("""
            pekko.loglevel = WARNING
            pekko.log-dead-letters = off
            pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
            pekko.cluster.gossip-interval = 200 ms
            pekko.cluster.seed-node-timeout = 1 s
            pekko.cluster.retry-unsuccessful-join-after = 1 s
            pekko.cluster.leader-actions-interval = 200 ms
            pekko.cluster.typed.receptionist.distributed-data.gossip-interval = 200 ms
            pekko.cluster.typed.receptionist.distributed-data.notify-subscribers-interval = 100 ms
            pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            pekko.coordinated-shutdown.phases.cluster-exiting.timeout = 2 s
            pekko.coordinated-shutdown.phases.cluster-leave.timeout = 2 s
            """).withFallback(ConfigFactory.load());

    @TempDir
    Path dir;

    /** The worker's loader, remembering what it was asked for. */
    private static final class RecordingLoader implements ModelLoader, AutoCloseable {
        final RecipeModelLoader recipes = new RecipeModelLoader(2, 1);
        final List<ModelRef> loaded = new CopyOnWriteArrayList<>();

        @Override
        public LanguageModel load(ModelRef ref) {
            loaded.add(ref);
            return recipes.load(ref);
        }

        @Override
        public void close() {
            recipes.close();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theFirstChampionIsScoredOnAWorkerFromItsRecipe() throws Exception {
        int seedPort = freePort();
        AppConfig config = writeConfig(seedPort);
        ClusterSettings workerSettings = new ClusterSettings(true, config.cluster().seedNodes(), Discovery.CONFIG,
                freePort(), 0, config.cluster().host(), config.cluster().security());
        RecipeMerger merger = RecipeMerger.load(config.recipe(), 2);
        Champion champion;
        try (RecordingLoader workerModels = new RecordingLoader();
             ClusterNode worker = ClusterNode.worker(workerSettings.membership(), 1, workerModels, BootstrapHook.NONE, FAST)) {
            EvaluationSession coordinator = ClusterNode.coordinator(config.cluster().membership(), 0, ModelLoader.standard(),
                    EvaluationSession.defaultSettings(), BootstrapHook.NONE, FAST);
            PoolScorer scorer = RemergeApp.scorer(config, coordinator, merger);
            try (RemergeApp app = RemergeApp.start(config, RemergeApp.serveConfig(config), LanguageModels::load, merger,
                    scorer, coordinator)) {
                champion = app.service().champion().orElseThrow();
                assertThat(app.service().history()).extracting(HistoryEntry::decision).containsExactly(Decision.INITIAL);
            }
            assertThat(workerModels.loaded).isNotEmpty().allSatisfy(ref -> {
                assertThat(ref).isInstanceOf(ModelRef.Recipe.class);
                assertThat(((ModelRef.Recipe) ref).name()).isEqualTo(champion.id());
            });
        }

        try (EvaluationSession local = EvaluationSession.start(1, ModelLoader.standard(), EvaluationSession.defaultSettings())) {
            Map<String, TaskScore> fromFolder = local.evaluate(new ModelRef.Folder(Path.of(champion.dir())),
                    config.tasks().stream().map(t -> TaskLoader.load(t.spec()).limit(t.limit().getAsInt())).toList(),
                    Duration.ofSeconds(30)).scores();
            assertThat(champion.scores().keySet()).containsExactly("add", "rev");
            champion.scores().forEach((task, score) ->
                    assertThat(score.score()).as(task).isEqualTo(fromFolder.get(task).score()));
        }
    }

    @Test
    void withoutTheClusterCandidatesGoAsFolders() throws Exception {
        Path appFile = writeConfig(freePort()).configFile();
        Files.writeString(appFile, Files.readString(appFile).replace("enabled: true", "enabled: false"));
        AppConfig local = AppConfigParser.parse(appFile);
        AppConfig clustered = writeConfig(freePort());
        RecipeMerger merger = RecipeMerger.load(clustered.recipe(), 1);
        Path base = ZOO.resolve("base");
        Path candidate = dir.resolve("state/candidates/c0001");

        try (EvaluationSession session = EvaluationSession.start(1, ModelLoader.standard(), EvaluationSession.defaultSettings())) {
            assertThat(RemergeApp.scorer(local, session, merger).reference(base, candidate))
                    .isEqualTo(new ModelRef.Folder(candidate));
            assertThat(RemergeApp.scorer(clustered, session, merger).reference(base, candidate))
                    .isEqualTo(ModelRef.Recipe.of("c0001", merger.recipeFor(base), RecipeMerger.SEED));
        }
    }

    private AppConfig writeConfig(int seedPort) throws IOException {
        RemergeRecipes.writeExpertsOntoNewBases(dir, ZOO);
        Path app = dir.resolve("app.yml");
        Files.writeString(app, """
                serve: {host: 127.0.0.1, port: 0}
                recipe: recipe.yml
                initial_base: %s
                bases_dir: bases
                tasks:
                  - {name: add, path: %s, limit: 8}
                  - {name: rev, path: %s, limit: 8}
                gates: {max_task_drop: 0.02}
                state_dir: state
                cluster:
                  enabled: true
                  seed_nodes: ["pekko://crucible-eval@127.0.0.1:%d"]
                  remoting_port: %d
                  host: 127.0.0.1
                  transport: insecure-tcp
                """.formatted(ZOO.resolve("base-v2"), ZOO.resolve("add_dev.jsonl"), ZOO.resolve("rev_dev.jsonl"),
                seedPort, seedPort));
        return AppConfigParser.parse(app);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
