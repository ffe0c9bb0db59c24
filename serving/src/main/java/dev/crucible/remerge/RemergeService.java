package dev.crucible.remerge;

import dev.crucible.app.AppConfig;
import dev.crucible.app.PipelineMetrics;
import dev.crucible.error.CrucibleException;
import dev.crucible.stream.MergeStats;
import dev.crucible.task.TaskScore;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.dispatch.ExecutionContexts;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Supervision;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous re-merge. Announced bases (folder watcher and {@code POST /admin/bases}) wait, each on its
 * own, until their checkpoint is complete and stable: the watcher looks at every waiting base on each
 * pass, so a stray or never-finished folder holds up nothing but itself, and a folder deleted while
 * waiting is forgotten. A ready base enters a Pekko Streams flow (merge, evaluate, decide) that takes one
 * candidate at a time, so a burst of new bases queues (bounded) instead of starting many merges; the
 * decide stage promotes through the model server when the {@link Gate} passes, and keeps the history
 * in {@link RemergeState}. A failed base is tried again when its files change. On close (SIGTERM) the
 * candidate in progress is recorded as {@link Decision#INTERRUPTED}, and merged again on the next start.
 */
public final class RemergeService implements AutoCloseable {

    /** How many announced bases may wait, and how many ready ones may queue; beyond it announcing answers "queue full". */
    public static final int QUEUE_CAPACITY = 32;

    private static final Logger LOG = LoggerFactory.getLogger(RemergeService.class);
    private static final Duration GIVE_UP_WAITING = Duration.ofHours(1);

    /** A candidate on its way through the flow; {@code failure} set means later stages pass it through. */
    private record Candidate(String id, Path base, String fingerprint, Path dir, MergeStats stats,
                             Map<String, TaskScore> scores, String failure) {

        Candidate failed(String why) {
            return new Candidate(id, base, fingerprint, dir, stats, scores, why);
        }
    }

    private final AppConfig config;
    private final RemergeState state;
    private final CandidateMerger merger;
    private final CandidateScorer scorer;
    private final ChampionSwitch server;
    private final PipelineMetrics metrics;
    private final Executor blocking;
    private final Gate gate;
    private final Duration giveUpWaiting;
    /** Bases waiting, queued, in the flow or decided: neither the watcher nor an announcement adds them again. */
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    /** Waiting bases in the order they arrived (guarded by {@link #watchLock}), so ready ones queue in that order. */
    private final Map<String, BaseWatch> waiting = new LinkedHashMap<>();
    /** Candidates in the flow by base, and the stage each is in. */
    private final Map<String, Candidate> inFlow = new ConcurrentHashMap<>();
    private final Map<String, BaseStatus> flowStatus = new ConcurrentHashMap<>();
    /** Bases whose re-merge failed: tried again when their files change, or when announced again. */
    private final Map<String, FailedBase> failed = new ConcurrentHashMap<>();
    private final Object championLock = new Object();
    private final Object watchLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong passes = new AtomicLong();
    private volatile BoundedSourceQueue<Candidate> queue;
    private CompletionStage<Done> flowDone;
    private Cancellable watcher;

    public RemergeService(AppConfig config, RemergeState state, CandidateMerger merger, CandidateScorer scorer,
            ChampionSwitch server, PipelineMetrics metrics, Executor blocking) {
        this(config, state, merger, scorer, server, metrics, blocking, GIVE_UP_WAITING);
    }

    /** As above, giving up on a base that is not complete after {@code giveUpWaiting} (1 h in production). */
    public RemergeService(AppConfig config, RemergeState state, CandidateMerger merger, CandidateScorer scorer,
            ChampionSwitch server, PipelineMetrics metrics, Executor blocking, Duration giveUpWaiting) {
        this.config = config;
        this.state = state;
        this.merger = merger;
        this.scorer = scorer;
        this.server = server;
        this.metrics = metrics;
        this.blocking = blocking;
        this.gate = new Gate(config.gates());
        this.giveUpWaiting = giveUpWaiting;
    }

    /**
     * Serves the champion (the stored one, or one built now from {@code initial_base}), then starts the
     * flow and the folder watcher, and lets wait every base announced or present but not decided yet
     * (so a re-merge interrupted by a restart is done again), except failed ones whose files are
     * unchanged since. Blocks until the champion serves.
     */
    public void start(ActorSystem<?> system) {
        state.removedOnOpen().forEach(dir -> LOG.info("removed {}: no decision refers to it (its base is merged again)", dir));
        Champion champion = serveChampion();
        LOG.info("champion {} serves ({})", champion.id(), champion.dir());
        Pair<BoundedSourceQueue<Candidate>, CompletionStage<Done>> flow = Source.<Candidate>queue(QUEUE_CAPACITY)
                .mapAsync(1, c -> stage("merge", c, this::merge))
                .mapAsync(1, c -> stage("evaluate", c, this::evaluate))
                .mapAsync(1, c -> stage("decide", c, this::decide))
                // A bug must not end re-merging for good: drop the element, keep the flow.
                .withAttributes(ActorAttributes.withSupervisionStrategy(Supervision.getResumingDecider()))
                .toMat(Sink.ignore(), Keep.both())
                .run(system);
        queue = flow.first();
        flowDone = flow.second();
        known.add(key(config.initialBase()));
        known.addAll(state.decidedBases());
        Map<String, FailedBase> failedBefore = state.failures();
        Set<Path> pending = new LinkedHashSet<>(state.announcements());
        pending.addAll(baseFolders());
        synchronized (watchLock) {
            for (Path base : pending) {
                String key = key(base);
                FailedBase before = failedBefore.get(key);
                if (known.contains(key) || !Files.isDirectory(base)) {
                    continue;
                }
                if (before != null && before.fingerprint().equals(FolderFingerprint.of(base))) {
                    failed.put(key, before);
                    LOG.info("base {} failed before and its files are unchanged; not merged again until they change", key);
                    continue;
                }
                admit(base);
            }
        }
        Duration poll = config.watch().pollInterval();
        watcher = system.scheduler().scheduleWithFixedDelay(poll, poll, this::watchPass,
                ExecutionContexts.fromExecutor(blocking));
    }

    /** Lets {@code base} wait for re-merge ({@code POST /admin/bases}); remembered across restarts. */
    public Announcement announce(Path base) {
        Path abs = base.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            return new Announcement.Invalid("path " + abs + " is not a folder; give a base checkpoint folder");
        }
        if (queue == null) {
            return new Announcement.Starting(key(abs));
        }
        Announcement result;
        synchronized (watchLock) {
            result = admit(abs);
        }
        if (result instanceof Announcement.Accepted) {
            state.recordAnnouncement(abs);
        }
        return result;
    }

    /** Every decision so far, oldest first. */
    public List<HistoryEntry> history() {
        return state.history();
    }

    /** The champion now. */
    public Optional<Champion> champion() {
        return state.champion();
    }

    /** Every base not decided yet (waiting, queued, in the flow) and every failed one, oldest first. */
    public List<BaseStatus> bases() {
        List<BaseStatus> out = new ArrayList<>();
        synchronized (watchLock) {
            waiting.forEach((key, watch) -> out.add(new BaseStatus(key, "waiting", watch.status(), watch.since())));
        }
        out.addAll(flowStatus.values());
        failed.values().forEach(f -> out.add(new BaseStatus(f.base(), "failed",
                f.reason() + " (tried again when its files change, or when announced again)", f.at())));
        out.sort(Comparator.comparing(BaseStatus::since).thenComparing(BaseStatus::base));
        return out;
    }

    /** How many passes the watcher has completed; a pass looks at every waiting and failed base once. */
    public long watchPasses() {
        return passes.get();
    }

    /**
     * Serves the previous champion again and forgets the current one; empty when there is none to go
     * back to. Fails (changing nothing) when the server refuses the previous model.
     */
    public Optional<HistoryEntry> rollback() {
        synchronized (championLock) {
            List<Champion> all = state.champions();
            if (all.size() < 2) {
                return Optional.empty();
            }
            Champion current = all.getLast();
            Champion previous = all.get(all.size() - 2);
            String version = server.promote(Path.of(previous.dir()));
            state.popChampion();
            HistoryEntry entry = new HistoryEntry(previous.id(), Instant.now(), Decision.ROLLED_BACK, previous.base(),
                    previous.dir(), previous.scores(), current.id(), 0, List.of("rolled back from " + current.id()), version);
            state.append(entry);
            metrics.decided("rolled_back");
            LOG.info("rolled back from {} to {} ({})", current.id(), previous.id(), version);
            return Optional.of(entry);
        }
    }

    /**
     * Makes an operator's model folder the champion ({@code POST /admin/promote} in {@code crucible run}):
     * scores it on the tasks, so later candidates are gated against what is actually served, switches the
     * server, and records it as champion (a rollback returns to the one before) and in the history as
     * {@link Decision#MANUAL}, so a restart serves it again. Fails, changing nothing, when the folder
     * cannot be scored or the server refuses it.
     */
    public HistoryEntry promoteManually(Path modelDir) {
        Path dir = modelDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new CrucibleException("path " + dir + " is not a folder; give a model checkpoint folder");
        }
        String id = state.nextCandidateId(dir);
        Map<String, TaskScore> scores = scorer.scoreFolder(dir);
        recordScores(id, scores);
        synchronized (championLock) {
            Champion current = state.champion().orElseThrow(() -> new CrucibleException("no champion serves yet"));
            String version = server.promote(dir);
            state.pushChampion(new Champion(id, dir.toString(), current.base(), scores));
            HistoryEntry entry = new HistoryEntry(id, Instant.now(), Decision.MANUAL, current.base(), dir.toString(),
                    scores, current.id(), 0, List.of("promoted by hand over " + current.id()), version);
            state.append(entry);
            metrics.decided("manual");
            LOG.info("{} promoted by hand as {} ({}), replacing {}", dir, id, version, current.id());
            return entry;
        }
    }

    private Champion serveChampion() {
        Optional<Champion> stored = state.champion();
        if (stored.isPresent()) {
            Champion champion = stored.get();
            if (!Files.isDirectory(Path.of(champion.dir()))) {
                throw new CrucibleException("state_dir: the champion folder " + champion.dir() + " is missing; restore it, "
                        + "or remove " + state.dir().resolve("champions.json") + " to rebuild from initial_base");
            }
            LOG.info("restoring the champion {} from {}", champion.id(), state.dir());
            server.promote(Path.of(champion.dir()));
            return champion;
        }
        Path base = config.initialBase();
        if (!Files.isDirectory(base)) {
            throw new CrucibleException("initial_base: " + base + " is not a folder; point it at the base checkpoint");
        }
        String id = state.nextCandidateId(base);
        Path dir = state.candidateDir(id);
        LOG.info("building the first champion {} from {}", id, base);
        merger.merge(base, dir, metrics::merged);
        Map<String, TaskScore> scores = scorer.score(base, dir);
        recordScores(id, scores);
        String version = server.promote(dir);
        Champion champion = new Champion(id, dir.toString(), key(base), scores);
        state.pushChampion(champion);
        state.append(new HistoryEntry(id, Instant.now(), Decision.INITIAL, key(base), dir.toString(), scores, null, 0,
                List.of(), version));
        return champion;
    }

    private CompletionStage<Candidate> stage(String name, Candidate c, UnaryOperator<Candidate> work) {
        if (c.failure() != null) {
            return CompletableFuture.completedFuture(c);
        }
        if (closed.get()) {
            // close() recorded it as interrupted; the next start merges it again.
            return CompletableFuture.completedFuture(c.failed("interrupted"));
        }
        String key = key(c.base());
        flowStatus.computeIfPresent(key, (k, s) -> new BaseStatus(k, name, c.id(), Instant.now()));
        metrics.stage(name, 1);
        return CompletableFuture.supplyAsync(() -> work.apply(c), blocking).handle((done, error) -> {
            metrics.stage(name, -1);
            if (error == null) {
                return done;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            String why = name + ": " + (cause instanceof CrucibleException ? cause.getMessage() : cause.toString());
            Candidate failedCandidate = c.failed(why);
            synchronized (championLock) {
                if (closed.get()) {
                    return failedCandidate;
                }
                LOG.warn("candidate {} failed in {}", c.id(), why);
                try {
                    recordFailure(failedCandidate);
                } catch (RuntimeException e) {
                    LOG.error("could not record the failure of candidate {}: {}", c.id(), e.toString());
                }
            }
            return failedCandidate;
        });
    }

    private Candidate merge(Candidate c) {
        Path dir = state.candidateDir(c.id());
        LOG.info("merging candidate {} onto {}", c.id(), c.base());
        MergeStats stats = merger.merge(c.base(), dir, metrics::merged);
        Candidate merged = new Candidate(c.id(), c.base(), c.fingerprint(), dir, stats, Map.of(), null);
        inFlow.replace(key(c.base()), merged);
        return merged;
    }

    private Candidate evaluate(Candidate c) {
        Map<String, TaskScore> scores = scorer.score(c.base(), c.dir());
        recordScores(c.id(), scores);
        return new Candidate(c.id(), c.base(), c.fingerprint(), c.dir(), c.stats(), scores, null);
    }

    private Candidate decide(Candidate c) {
        synchronized (championLock) {
            if (closed.get()) {
                return c.failed("interrupted");
            }
            Champion champion = state.champion().orElseThrow(() -> new CrucibleException("no champion to compare with"));
            GateDecision decision = gate.decide(champion.scores(), c.scores());
            if (!decision.promote()) {
                // Listing, folder, then the decision: whoever sees the decision sees the rest done.
                leaveFlow(c);
                deleteQuietly(c.dir());
                state.append(new HistoryEntry(c.id(), Instant.now(), Decision.REJECTED, key(c.base()), c.dir().toString(),
                        c.scores(), champion.id(), decision.meanGain(), decision.reasons(), null));
                metrics.decided("rejected");
                LOG.info("candidate {} rejected: {}", c.id(), String.join("; ", decision.reasons()));
                return c;
            }
            String version = server.promote(c.dir());
            state.pushChampion(new Champion(c.id(), c.dir().toString(), key(c.base()), c.scores()));
            leaveFlow(c);
            state.append(new HistoryEntry(c.id(), Instant.now(), Decision.PROMOTED, key(c.base()), c.dir().toString(),
                    c.scores(), champion.id(), decision.meanGain(), List.of(), version));
            metrics.decided("promoted");
            LOG.info("candidate {} promoted as {} (mean gain {})", c.id(), version,
                    String.format(java.util.Locale.ROOT, "%+.4f", decision.meanGain()));
            return c;
        }
    }

    private void leaveFlow(Candidate c) {
        inFlow.remove(key(c.base()));
        flowStatus.remove(key(c.base()));
    }

    /** Records a failed candidate (caller holds {@link #championLock}). */
    private void recordFailure(Candidate c) {
        String champion = state.champion().map(Champion::id).orElse(null);
        leaveFlow(c);
        fail(key(c.base()), c.fingerprint(), c.failure());
        if (c.dir() != null) {
            deleteQuietly(c.dir());
        }
        state.append(new HistoryEntry(c.id(), Instant.now(), Decision.FAILED, key(c.base()),
                c.dir() == null ? null : c.dir().toString(), c.scores(), champion, 0, List.of(c.failure()), null));
        metrics.decided("failed");
    }

    private void fail(String key, String fingerprint, String reason) {
        FailedBase failure = new FailedBase(key, fingerprint, reason, Instant.now());
        state.recordFailure(failure);
        failed.put(key, failure);
        known.remove(key);
    }

    private void recordScores(String id, Map<String, TaskScore> scores) {
        scores.values().forEach(s -> metrics.score(id, s.task(), s.metric(), s.score()));
    }

    /** Lets {@code base} wait (caller holds {@link #watchLock}). */
    private Announcement admit(Path base) {
        String key = key(base);
        if (!known.add(key)) {
            return new Announcement.AlreadyKnown(key);
        }
        if (waiting.size() >= QUEUE_CAPACITY) {
            known.remove(key);
            return new Announcement.QueueFull(key, QUEUE_CAPACITY);
        }
        failed.remove(key);
        waiting.put(key, new BaseWatch(base.toAbsolutePath().normalize(), config.watch().stableFor(), giveUpWaiting,
                System.nanoTime(), Instant.now()));
        metrics.stage("wait", 1);
        LOG.info("new base {} waits until it is complete", key);
        return new Announcement.Accepted(key, waiting.size() + inFlow.size());
    }

    /**
     * One pass of the watcher: new folders in {@code bases_dir} start waiting, failed bases whose files
     * changed wait again, every waiting base is looked at once (ready ones enter the flow, removed ones
     * are forgotten, ones waiting too long fail).
     */
    private void watchPass() {
        synchronized (watchLock) {
            if (closed.get()) {
                return;
            }
            try {
                for (Path base : baseFolders()) {
                    String key = key(base);
                    if (!known.contains(key) && !failed.containsKey(key)) {
                        admit(base);
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("scanning {} failed: {}", config.basesDir(), e.getMessage());
            }
            for (FailedBase f : List.copyOf(failed.values())) {
                Path base = Path.of(f.base());
                if (!Files.isDirectory(base)) {
                    failed.remove(f.base());
                    LOG.info("failed base {} was removed; forgotten", f.base());
                } else if (!FolderFingerprint.of(base).equals(f.fingerprint())) {
                    LOG.info("the files of failed base {} changed; trying it again", f.base());
                    admit(base);
                }
            }
            for (Map.Entry<String, BaseWatch> entry : List.copyOf(waiting.entrySet())) {
                look(entry.getKey(), entry.getValue());
            }
            passes.incrementAndGet();
        }
    }

    private void look(String key, BaseWatch watch) {
        BaseWatch.Verdict verdict;
        try {
            verdict = watch.check(System.nanoTime());
        } catch (RuntimeException e) {
            LOG.warn("looking at {} failed: {}", key, e.toString());
            return;
        }
        switch (verdict) {
            case BaseWatch.Waiting w -> { }
            case BaseWatch.Gone g -> {
                stopWaiting(key);
                known.remove(key);
                LOG.info("base {} was removed while waiting; forgotten", key);
            }
            case BaseWatch.GaveUp g -> {
                stopWaiting(key);
                synchronized (championLock) {
                    String id = state.nextCandidateId(watch.dir());
                    String why = "wait: " + g.why();
                    fail(key, FolderFingerprint.of(watch.dir()), why);
                    state.append(new HistoryEntry(id, Instant.now(), Decision.FAILED, key, null, Map.of(),
                            state.champion().map(Champion::id).orElse(null), 0, List.of(why), null));
                    metrics.decided("failed");
                    LOG.warn("gave up waiting for {}", g.why());
                }
            }
            case BaseWatch.Ready r -> {
                String fingerprint = FolderFingerprint.of(watch.dir());
                Candidate c = new Candidate(state.nextCandidateId(watch.dir()), watch.dir(), fingerprint, null, null,
                        Map.of(), null);
                inFlow.put(key, c);
                flowStatus.put(key, new BaseStatus(key, "queued", c.id(), Instant.now()));
                if (queue.offer(c) == QueueOfferResult.enqueued()) {
                    stopWaiting(key);
                    LOG.info("base {} is complete; candidate {} queued for re-merge", key, c.id());
                } else {
                    // The flow is full: the base keeps waiting, and is offered again on the next pass.
                    inFlow.remove(key);
                    flowStatus.remove(key);
                }
            }
        }
    }

    private void stopWaiting(String key) {
        if (waiting.remove(key) != null) {
            metrics.stage("wait", -1);
        }
    }

    private List<Path> baseFolders() {
        Path dir = config.basesDir();
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir,
                p -> Files.isDirectory(p) && !p.getFileName().toString().startsWith("."))) {
            entries.forEach(found::add);
        } catch (IOException e) {
            throw new CrucibleException("bases_dir: cannot list " + dir + " (" + e.getMessage() + ")", e);
        }
        found.sort(null);
        return found;
    }

    private static String key(Path base) {
        return base.toAbsolutePath().normalize().toString();
    }

    private static void deleteQuietly(Path dir) {
        try {
            RemergeState.deleteTree(dir);
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", dir, e.getMessage());
        }
    }

    /**
     * Stops watching and accepting. A candidate being merged or evaluated is not finished (a merge can
     * take longer than any shutdown grace period): it is recorded as {@link Decision#INTERRUPTED}, its
     * folder is removed on the next start and its base merged again then.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (watcher != null) {
            watcher.cancel();
        }
        if (queue != null) {
            queue.complete();
        }
        synchronized (championLock) {
            for (Candidate c : inFlow.values()) {
                String stage = flowStatus.getOrDefault(key(c.base()), new BaseStatus("", "queued", "", Instant.now())).state();
                try {
                    state.append(new HistoryEntry(c.id(), Instant.now(), Decision.INTERRUPTED, key(c.base()),
                            c.dir() == null ? null : c.dir().toString(), Map.of(),
                            state.champion().map(Champion::id).orElse(null), 0,
                            List.of((stage.equals("queued") ? "stopped while queued" : "stopped during " + stage)
                                    + "; merged again on the next start"), null));
                    metrics.decided("interrupted");
                    LOG.info("candidate {} interrupted during {}; it is merged again on the next start", c.id(), stage);
                } catch (RuntimeException e) {
                    LOG.warn("could not record the interruption of candidate {}: {}", c.id(), e.toString());
                }
            }
            inFlow.clear();
            flowStatus.clear();
        }
    }

    /** Completes once the flow has stopped (after {@link #close()} and the last candidate). */
    public CompletionStage<Done> whenDone() {
        return flowDone;
    }
}
