package dev.crucible.remerge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.app.AppConfig;
import dev.crucible.app.AppConfigParser;
import dev.crucible.app.PipelineMetrics;
import dev.crucible.error.CrucibleException;
import dev.crucible.stream.MergeStats;
import dev.crucible.task.TaskScore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RemergeServiceTest {

    @TempDir
    Path dir;

    private ActorSystem<Void> system;
    private ExecutorService blocking;
    private PrometheusMeterRegistry registry;
    private final List<RemergeService> services = new ArrayList<>();
    private final FakeMerger merger = new FakeMerger();
    private final FakeServer server = new FakeServer();

    @BeforeEach
    void start() {
        system = ActorSystem.create(Behaviors.empty(), "remerge-test");
        blocking = Executors.newFixedThreadPool(4);
    }

    @AfterEach
    void stop() throws Exception {
        services.forEach(RemergeService::close);
        // Wait for interrupted merges and the flows to stop writing state before @TempDir is deleted.
        blocking.shutdownNow();
        assertThat(blocking.awaitTermination(20, TimeUnit.SECONDS)).as("blocking work stopped").isTrue();
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    /** A checkpoint folder whose "quality" file is what the fake scorer reports for models merged onto it. */
    private Path base(String name, double add, double rev) throws IOException {
        Path base = Files.createDirectories(dir.resolve(name));
        Files.writeString(base.resolve("config.json"), "{}");
        Files.write(base.resolve("model.safetensors"), new byte[64]);
        Files.writeString(base.resolve("quality"), add + " " + rev);
        return base;
    }

    private AppConfig config() throws IOException {
        Files.createDirectories(dir.resolve("bases"));
        return AppConfigParser.parse("""
                recipe: recipe.yml
                initial_base: initial
                bases_dir: bases
                tasks: [{name: add, path: add.jsonl}, {name: rev, path: rev.jsonl}]
                gates: {max_task_drop: 0.02}
                state_dir: state
                watch: {poll_seconds: 0.05, stable_seconds: 0}
                """, dir.resolve("app.yml"));
    }

    private RemergeService service() throws IOException {
        AppConfig config = config();
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RemergeService service = new RemergeService(config, RemergeState.open(config.stateDir()), merger, new FakeScorer(),
                server, new PipelineMetrics(registry), blocking);
        services.add(service);
        service.start(system);
        return service;
    }

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(20);
        }
    }

    /** Waits until {@code count} whole watcher passes have run after this call, so anything they would do is done. */
    private static void awaitPasses(RemergeService service, int count) throws InterruptedException {
        long target = service.watchPasses() + count + 1;
        eventually(() -> service.watchPasses() >= target);
    }

    @Test
    void startupBuildsTheChampionFromTheInitialBaseAndServesIt() throws Exception {
        base("initial", 0.50, 0.40);

        RemergeService service = service();

        assertThat(server.promoted).singleElement().satisfies(p -> assertThat(p.getFileName().toString()).isEqualTo("c0001-initial"));
        assertThat(service.champion()).map(Champion::id).contains("c0001-initial");
        assertThat(service.history()).singleElement().satisfies(e -> {
            assertThat(e.decision()).isEqualTo(Decision.INITIAL);
            assertThat(e.version()).isEqualTo("v1");
            assertThat(e.scores().get("add").score()).isEqualTo(0.50);
        });
        assertThat(registry.scrape()).contains("crucible_eval_score{metric=\"accuracy\",model=\"c0001-initial\",task=\"add\"} 0.5");
    }

    @Test
    void aBetterBaseInTheFolderIsPromotedAndAWorseOneRejected() throws Exception {
        base("initial", 0.50, 0.40);
        RemergeService service = service();

        base("bases/v2", 0.55, 0.41);
        eventually(() -> service.history().size() == 2);
        base("bases/v3", 0.90, 0.30);
        eventually(() -> service.history().size() == 3);

        List<HistoryEntry> history = service.history();
        assertThat(history.get(1).decision()).isEqualTo(Decision.PROMOTED);
        assertThat(history.get(1).version()).isEqualTo("v2");
        assertThat(history.get(1).champion()).isEqualTo("c0001-initial");
        assertThat(history.get(2).decision()).isEqualTo(Decision.REJECTED);
        assertThat(history.get(2).reasons()).singleElement().asString().startsWith("rev: accuracy fell from 0.4100 to 0.3000");
        assertThat(service.champion()).map(Champion::id).contains("c0002-v2");
        assertThat(Path.of(history.get(2).candidate())).doesNotExist();
        String scrape = registry.scrape();
        assertThat(scrape).contains("crucible_remerge_decisions_total{decision=\"promoted\"} 1.0");
        assertThat(scrape).contains("crucible_remerge_decisions_total{decision=\"rejected\"} 1.0");
        assertThat(scrape).contains("crucible_merge_tensors_total 9.0");
    }

    @Test
    void aBurstOfAnnouncedBasesQueuesAndMergesOneAtATime() throws Exception {
        base("initial", 0.50, 0.40);
        RemergeService service = service();
        merger.pause = Duration.ofMillis(80);
        List<Announcement> answers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            answers.add(service.announce(base("elsewhere/b" + i, 0.50 + i * 0.01, 0.40)));
        }

        eventually(() -> service.history().size() == 7);

        assertThat(answers).allSatisfy(a -> assertThat(a).isInstanceOf(Announcement.Accepted.class));
        assertThat(merger.maxConcurrent.get()).isEqualTo(1);
        assertThat(service.history()).extracting(HistoryEntry::decision).containsOnly(Decision.INITIAL, Decision.PROMOTED);
        assertThat(service.champion()).map(Champion::id).contains("c0007-b5");
    }

    @Test
    void announcingTheSameBaseTwiceOrAMissingFolderChangesNothing() throws Exception {
        base("initial", 0.50, 0.40);
        RemergeService service = service();
        Path v2 = base("elsewhere/v2", 0.50, 0.40);

        assertThat(service.announce(v2)).isInstanceOf(Announcement.Accepted.class);
        assertThat(service.announce(v2)).isInstanceOf(Announcement.AlreadyKnown.class);
        assertThat(service.announce(dir.resolve("initial"))).isInstanceOf(Announcement.AlreadyKnown.class);
        assertThat(service.announce(dir.resolve("nowhere"))).isInstanceOf(Announcement.Invalid.class);
    }

    @Test
    void rollbackServesThePreviousChampionAgain() throws Exception {
        base("initial", 0.50, 0.40);
        RemergeService service = service();
        assertThat(service.rollback()).isEmpty();
        base("bases/v2", 0.60, 0.40);
        eventually(() -> service.history().size() == 2);

        HistoryEntry rolledBack = service.rollback().orElseThrow();

        assertThat(rolledBack.decision()).isEqualTo(Decision.ROLLED_BACK);
        assertThat(rolledBack.id()).isEqualTo("c0001-initial");
        assertThat(rolledBack.version()).isEqualTo("v3");
        assertThat(server.promoted.getLast().getFileName().toString()).isEqualTo("c0001-initial");
        assertThat(service.champion()).map(Champion::id).contains("c0001-initial");
    }

    @Test
    void aFailedMergeIsRecordedAndTheChampionKeepsServing() throws Exception {
        base("initial", 0.50, 0.40);
        RemergeService service = service();
        merger.failOn = "broken";

        base("bases/broken", 0.9, 0.9);
        eventually(() -> service.history().size() == 2);

        HistoryEntry failed = service.history().get(1);
        assertThat(failed.decision()).isEqualTo(Decision.FAILED);
        assertThat(failed.reasons()).singleElement().asString().isEqualTo("merge: shard 2 is truncated");
        assertThat(service.champion()).map(Champion::id).contains("c0001-initial");
        assertThat(server.promoted).hasSize(1);

        // The watcher does not retry it by itself while its files are unchanged (two whole passes after the
        // failure have looked at it); announcing it again does.
        awaitPasses(service, 2);
        assertThat(service.history()).hasSize(2);
        assertThat(service.bases()).singleElement().satisfies(b -> assertThat(b.state()).isEqualTo("failed"));
        merger.failOn = "";
        assertThat(service.announce(dir.resolve("bases/broken"))).isInstanceOf(Announcement.Accepted.class);
        eventually(() -> service.history().size() == 3);
        assertThat(service.history().get(2).decision()).isEqualTo(Decision.PROMOTED);
    }

    @Test
    void aRestartKeepsTheChampionAndRedoesAnInterruptedReMerge() throws Exception {
        base("initial", 0.50, 0.40);
        RemergeService first = service();
        Path v2 = base("elsewhere/v2", 0.60, 0.40);
        merger.pause = Duration.ofSeconds(30);
        first.announce(v2);
        eventually(() -> merger.started.get() == 2);
        // The process dies mid-merge: no decision was written, only a staging folder is left.
        first.close();
        Files.createDirectories(dir.resolve("state/candidates/.c0002-v2.tmp-0badf00d"));
        merger.pause = Duration.ZERO;
        server.promoted.clear();

        RemergeService second = service();
        eventually(() -> second.history().size() == 3);

        assertThat(server.promoted.getFirst().getFileName().toString()).isEqualTo("c0001-initial");
        assertThat(second.history().get(1).decision()).isEqualTo(Decision.INTERRUPTED);
        assertThat(second.history().get(1).reasons()).containsExactly("stopped during merge; merged again on the next start");
        assertThat(second.history().get(2).decision()).isEqualTo(Decision.PROMOTED);
        assertThat(second.history().get(2).base()).isEqualTo(v2.toString());
        assertThat(dir.resolve("state/candidates/.c0002-v2.tmp-0badf00d")).doesNotExist();
        assertThat(second.champion()).map(Champion::base).contains(v2.toString());
    }

    @Test
    void aStrayFolderWaitsAloneWhileARealBaseIsDecidedAndIsForgottenOnceDeleted() throws Exception {
        base("initial", 0.50, 0.40);
        RemergeService service = service();
        Path stray = Files.createDirectories(dir.resolve("bases/stray"));
        eventually(() -> service.bases().stream().anyMatch(b -> b.base().equals(stray.toString())));

        long start = System.nanoTime();
        base("bases/v2", 0.60, 0.40);
        eventually(() -> service.history().size() == 2);
        System.out.printf("stray folder waiting: the real base was decided %.2f s after it appeared%n",
                (System.nanoTime() - start) / 1e9);

        assertThat(service.history().get(1).decision()).isEqualTo(Decision.PROMOTED);
        assertThat(service.bases()).singleElement().satisfies(b -> {
            assertThat(b.base()).isEqualTo(stray.toString());
            assertThat(b.state()).isEqualTo("waiting");
            assertThat(b.detail()).isEqualTo("still missing config.json");
        });
        Files.delete(stray);
        eventually(() -> service.bases().isEmpty());
        // Forgotten, not decided: the same folder copied in properly later is merged.
        base("bases/stray", 0.70, 0.40);
        eventually(() -> service.history().size() == 3);
        assertThat(service.history().get(2).decision()).isEqualTo(Decision.PROMOTED);
    }

    @Test
    void aBaseThatNeverCompletesFailsAfterTheGiveUpTimeNamingWhatIsMissing() throws Exception {
        base("initial", 0.50, 0.40);
        AppConfig config = config();
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RemergeService service = new RemergeService(config, RemergeState.open(config.stateDir()), merger, new FakeScorer(),
                server, new PipelineMetrics(registry), blocking, Duration.ZERO);
        services.add(service);
        service.start(system);
        Path half = Files.createDirectories(dir.resolve("bases/half"));
        Files.writeString(half.resolve("config.json"), "{}");

        eventually(() -> service.history().size() == 2);

        assertThat(service.history().get(1).decision()).isEqualTo(Decision.FAILED);
        assertThat(service.history().get(1).reasons()).singleElement().asString()
                .isEqualTo("wait: " + half + ": not a complete checkpoint after 0 s (still missing "
                        + "model.safetensors (or model.safetensors.index.json and its shards))");
    }

    @Test
    void aCopyPausedLongerThanStableSecondsFailsAndIsRetriedWhenItCompletes() throws Exception {
        base("initial", 0.50, 0.40);
        RemergeService service = service();
        // The copy stalls with the weights half written: complete-looking and unchanged, so it is merged and fails.
        Path paused = base("bases/paused", 0.60, 0.40);
        Files.write(paused.resolve("model.safetensors"), new byte[16]);
        eventually(() -> service.history().size() == 2);
        assertThat(service.history().get(1).decision()).isEqualTo(Decision.FAILED);
        assertThat(service.history().get(1).reasons()).containsExactly("merge: model.safetensors is truncated");
        awaitPasses(service, 2);
        assertThat(service.history()).hasSize(2);

        long start = System.nanoTime();
        Files.write(paused.resolve("model.safetensors"), new byte[64]);
        eventually(() -> service.history().size() == 3);
        System.out.printf("paused copy: decided %.2f s after the copy completed%n", (System.nanoTime() - start) / 1e9);

        assertThat(service.history().get(2).decision()).isEqualTo(Decision.PROMOTED);
        assertThat(service.history().get(2).base()).isEqualTo(paused.toString());
        assertThat(service.bases()).isEmpty();
    }

    @Test
    void aRestartLeavesAnUnchangedFailedBaseAloneAndRetriesItOnceItChanges() throws Exception {
        base("initial", 0.50, 0.40);
        RemergeService first = service();
        Path paused = base("bases/paused", 0.60, 0.40);
        Files.write(paused.resolve("model.safetensors"), new byte[16]);
        eventually(() -> first.history().size() == 2);
        first.close();

        RemergeService second = service();
        RemergeService third;
        awaitPasses(second, 2);
        assertThat(second.history()).extracting(HistoryEntry::decision).containsExactly(Decision.INITIAL, Decision.FAILED);
        assertThat(second.bases()).singleElement().satisfies(b -> assertThat(b.state()).isEqualTo("failed"));
        second.close();
        third = service();
        awaitPasses(third, 2);
        assertThat(third.history()).hasSize(2);

        Files.write(paused.resolve("model.safetensors"), new byte[64]);
        eventually(() -> third.history().size() == 3);
        assertThat(third.history().get(2).decision()).isEqualTo(Decision.PROMOTED);
    }

    @Test
    void aCandidateLeftByACrashWithoutADecisionIsRemovedOnStartAndItsBaseMergedAgain() throws Exception {
        base("initial", 0.50, 0.40);
        RemergeService first = service();
        first.close();
        // What kill -9 during evaluation leaves: a complete candidate folder, no history line.
        Path orphan = Files.createDirectories(dir.resolve("state/candidates/c0002-v2"));
        Files.writeString(orphan.resolve("config.json"), "{}");
        Path v2 = base("bases/v2", 0.60, 0.40);

        RemergeService second = service();

        assertThat(orphan).doesNotExist();
        eventually(() -> second.history().size() == 2);
        assertThat(second.history().get(1).decision()).isEqualTo(Decision.PROMOTED);
        assertThat(second.history().get(1).base()).isEqualTo(v2.toString());
        assertThat(second.history().get(1).id()).isEqualTo("c0003-v2");
        try (var left = Files.list(dir.resolve("state/candidates"))) {
            assertThat(left.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("c0001-initial", "c0003-v2");
        }
    }

    @Test
    void aManualPromotionBecomesTheChampionIsInTheHistoryAndSurvivesARestart() throws Exception {
        base("initial", 0.50, 0.40);
        RemergeService first = service();
        Path mine = base("mine", 0.58, 0.45);

        HistoryEntry manual = first.promoteManually(mine);

        assertThat(manual.decision()).isEqualTo(Decision.MANUAL);
        assertThat(manual.version()).isEqualTo("v2");
        assertThat(manual.champion()).isEqualTo("c0001-initial");
        assertThat(first.champion()).map(Champion::dir).contains(mine.toString());
        assertThat(first.champion().orElseThrow().scores().get("add").score()).isEqualTo(0.58);
        // The gates now compare with the served model: a base scoring between the two is rejected.
        base("bases/v2", 0.55, 0.41);
        eventually(() -> first.history().size() == 3);
        assertThat(first.history().get(2).decision()).isEqualTo(Decision.REJECTED);
        first.close();
        server.promoted.clear();

        RemergeService second = service();
        assertThat(server.promoted).containsExactly(mine);
        assertThat(second.champion()).map(Champion::id).contains(manual.id());
        HistoryEntry back = second.rollback().orElseThrow();
        assertThat(back.id()).isEqualTo("c0001-initial");
        assertThat(server.promoted.getLast().getFileName().toString()).isEqualTo("c0001-initial");
    }

    /** Writes a tiny "model" carrying its base's quality; counts how many merges overlap. */
    private static final class FakeMerger implements CandidateMerger {
        final AtomicInteger active = new AtomicInteger();
        final AtomicInteger maxConcurrent = new AtomicInteger();
        final AtomicInteger started = new AtomicInteger();
        volatile Duration pause = Duration.ZERO;
        volatile String failOn = "";

        @Override
        public MergeStats merge(Path base, Path target, MergeMeter meter) {
            started.incrementAndGet();
            maxConcurrent.accumulateAndGet(active.incrementAndGet(), Math::max);
            try {
                Thread.sleep(pause.toMillis());
                if (base.getFileName().toString().equals(failOn)) {
                    throw new CrucibleException("shard 2 is truncated");
                }
                if (Files.size(base.resolve("model.safetensors")) < 64) {
                    throw new CrucibleException("model.safetensors is truncated");
                }
                Files.createDirectories(target);
                Files.writeString(target.resolve("config.json"), "{}");
                Files.copy(base.resolve("quality"), target.resolve("quality"));
                meter.written(3, 192);
                return new MergeStats(3, 192, 192, Duration.ofMillis(1));
            } catch (IOException e) {
                throw new CrucibleException("fake merge failed: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CrucibleException("interrupted");
            } finally {
                active.decrementAndGet();
            }
        }
    }

    /** Reports the quality the fake merger copied into the candidate. */
    private static final class FakeScorer implements CandidateScorer {
        @Override
        public Map<String, TaskScore> score(Path base, Path modelDir) {
            try {
                String[] q = Files.readString(modelDir.resolve("quality")).trim().split(" ");
                Map<String, TaskScore> scores = new LinkedHashMap<>();
                scores.put("add", new TaskScore("add", "accuracy", Double.parseDouble(q[0]), 200, 0, 1, 100, null));
                scores.put("rev", new TaskScore("rev", "accuracy", Double.parseDouble(q[1]), 200, 0, 1, 100, null));
                return scores;
            } catch (IOException e) {
                throw new CrucibleException("cannot score " + modelDir);
            }
        }
    }

    /** Numbers promotions v1, v2, ... like the model server. */
    private static final class FakeServer implements ChampionSwitch {
        final List<Path> promoted = Collections.synchronizedList(new ArrayList<>());
        private int version;

        @Override
        public synchronized String promote(Path modelDir) {
            promoted.add(modelDir);
            return "v" + (++version);
        }
    }
}
