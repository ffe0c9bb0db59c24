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
import java.util.function.UnaryOperator;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
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
 * Continuous re-merge: a Pekko Streams flow from announced bases (folder watcher and
 * {@code POST /admin/bases}) through "wait until complete", merge, evaluate and decide. Every stage
 * takes one candidate at a time, so a burst of new bases queues (bounded) instead of starting many
 * merges; the decide stage promotes through the model server when the {@link Gate} passes, and keeps
 * the history in {@link RemergeState}.
 */
public final class RemergeService implements AutoCloseable {

    /** How many announced bases may wait; beyond it announcing answers "queue full". */
    public static final int QUEUE_CAPACITY = 32;

    private static final Logger LOG = LoggerFactory.getLogger(RemergeService.class);
    private static final Duration GIVE_UP_WAITING = Duration.ofHours(1);

    /** A candidate on its way through the flow; {@code failure} set means later stages pass it through. */
    private record Candidate(String id, Path base, Path dir, MergeStats stats, Map<String, TaskScore> scores,
                             String failure) {

        Candidate failed(String why) {
            return new Candidate(id, base, dir, stats, scores, why);
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
    private final CompletionWaiter waiter;
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    /** Bases whose re-merge failed in this run: the watcher leaves them alone, an explicit announcement retries. */
    private final Set<String> failedBases = ConcurrentHashMap.newKeySet();
    private final Object championLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile BoundedSourceQueue<Path> queue;
    private CompletionStage<Done> flowDone;
    private Cancellable watcher;

    public RemergeService(AppConfig config, RemergeState state, CandidateMerger merger, CandidateScorer scorer,
            ChampionSwitch server, PipelineMetrics metrics, Executor blocking) {
        this.config = config;
        this.state = state;
        this.merger = merger;
        this.scorer = scorer;
        this.server = server;
        this.metrics = metrics;
        this.blocking = blocking;
        this.gate = new Gate(config.gates());
        this.waiter = new CompletionWaiter(config.watch().stableFor(), config.watch().pollInterval(), GIVE_UP_WAITING);
    }

    /**
     * Serves the champion (the stored one, or one built now from {@code initial_base}), then starts the
     * flow and the folder watcher, and queues every base announced or present but not decided yet
     * (so a re-merge interrupted by a restart is done again). Blocks until the champion serves.
     */
    public void start(ActorSystem<?> system) {
        Champion champion = serveChampion();
        LOG.info("champion {} serves ({})", champion.id(), champion.dir());
        Pair<BoundedSourceQueue<Path>, CompletionStage<Done>> flow = Source.<Path>queue(QUEUE_CAPACITY)
                .mapAsync(1, base -> stage("wait", new Candidate(state.nextCandidateId(base), base, null, null, Map.of(), null),
                        this::awaitComplete))
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
        Set<Path> pending = new LinkedHashSet<>(state.announcements());
        pending.addAll(baseFolders());
        for (Path base : pending) {
            offer(base);
        }
        Duration poll = config.watch().pollInterval();
        watcher = system.scheduler().scheduleWithFixedDelay(poll, poll, this::scanBasesDir, system.executionContext());
    }

    /** Queues {@code base} for re-merge ({@code POST /admin/bases}); remembered across restarts. */
    public Announcement announce(Path base) {
        Path abs = base.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            return new Announcement.Invalid("path " + abs + " is not a folder; give a base checkpoint folder");
        }
        if (queue == null) {
            return new Announcement.Starting(key(abs));
        }
        Announcement result = offer(abs);
        if (result instanceof Announcement.Accepted) {
            failedBases.remove(key(abs));
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

    private Champion serveChampion() {
        Optional<Champion> stored = state.champion();
        if (stored.isPresent()) {
            Champion champion = stored.get();
            if (!Files.isDirectory(Path.of(champion.dir()))) {
                throw new CrucibleException("state_dir: the champion folder " + champion.dir() + " is missing; restore it, "
                        + "or remove " + state.dir().resolve("champions.json") + " to rebuild from initial_base");
            }
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
        metrics.stage(name, 1);
        return CompletableFuture.supplyAsync(() -> work.apply(c), blocking).handle((done, error) -> {
            metrics.stage(name, -1);
            if (error == null) {
                return done;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            String why = name + ": " + (cause instanceof CrucibleException ? cause.getMessage() : cause.toString());
            LOG.warn("candidate {} failed in {}", c.id(), why);
            Candidate failed = c.failed(why);
            try {
                recordFailure(failed);
            } catch (RuntimeException e) {
                LOG.error("could not record the failure of candidate {}: {}", c.id(), e.toString());
            }
            return failed;
        });
    }

    private Candidate awaitComplete(Candidate c) {
        waiter.await(c.base());
        return c;
    }

    private Candidate merge(Candidate c) {
        Path dir = state.candidateDir(c.id());
        LOG.info("merging candidate {} onto {}", c.id(), c.base());
        MergeStats stats = merger.merge(c.base(), dir, metrics::merged);
        return new Candidate(c.id(), c.base(), dir, stats, Map.of(), null);
    }

    private Candidate evaluate(Candidate c) {
        Map<String, TaskScore> scores = scorer.score(c.base(), c.dir());
        recordScores(c.id(), scores);
        return new Candidate(c.id(), c.base(), c.dir(), c.stats(), scores, null);
    }

    private Candidate decide(Candidate c) {
        synchronized (championLock) {
            Champion champion = state.champion().orElseThrow(() -> new CrucibleException("no champion to compare with"));
            GateDecision decision = gate.decide(champion.scores(), c.scores());
            if (!decision.promote()) {
                state.append(new HistoryEntry(c.id(), Instant.now(), Decision.REJECTED, key(c.base()), c.dir().toString(),
                        c.scores(), champion.id(), decision.meanGain(), decision.reasons(), null));
                metrics.decided("rejected");
                LOG.info("candidate {} rejected: {}", c.id(), String.join("; ", decision.reasons()));
                deleteQuietly(c.dir());
                return c;
            }
            String version = server.promote(c.dir());
            state.pushChampion(new Champion(c.id(), c.dir().toString(), key(c.base()), c.scores()));
            state.append(new HistoryEntry(c.id(), Instant.now(), Decision.PROMOTED, key(c.base()), c.dir().toString(),
                    c.scores(), champion.id(), decision.meanGain(), List.of(), version));
            metrics.decided("promoted");
            LOG.info("candidate {} promoted as {} (mean gain {})", c.id(), version,
                    String.format(java.util.Locale.ROOT, "%+.4f", decision.meanGain()));
            return c;
        }
    }

    private void recordFailure(Candidate c) {
        String champion = state.champion().map(Champion::id).orElse(null);
        state.append(new HistoryEntry(c.id(), Instant.now(), Decision.FAILED, key(c.base()),
                c.dir() == null ? null : c.dir().toString(), c.scores(), champion, 0, List.of(c.failure()), null));
        metrics.decided("failed");
        String base = key(c.base());
        failedBases.add(base);
        known.remove(base);
        if (c.dir() != null) {
            deleteQuietly(c.dir());
        }
    }

    private void recordScores(String id, Map<String, TaskScore> scores) {
        scores.values().forEach(s -> metrics.score(id, s.task(), s.metric(), s.score()));
    }

    private Announcement offer(Path base) {
        String key = key(base);
        if (!known.add(key)) {
            return new Announcement.AlreadyKnown(key);
        }
        QueueOfferResult result = queue.offer(base.toAbsolutePath().normalize());
        if (result == QueueOfferResult.enqueued()) {
            LOG.info("new base {} queued for re-merge", key);
            return new Announcement.Accepted(key, queue.size());
        }
        known.remove(key);
        return new Announcement.QueueFull(key, QUEUE_CAPACITY);
    }

    private void scanBasesDir() {
        try {
            for (Path base : baseFolders()) {
                if (!known.contains(key(base)) && !failedBases.contains(key(base))) {
                    offer(base);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("scanning {} failed: {}", config.basesDir(), e.getMessage());
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

    /** Stops watching and accepting; the candidate in progress finishes. */
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
    }

    /** Completes once the flow has stopped (after {@link #close()} and the last candidate). */
    public CompletionStage<Done> whenDone() {
        return flowDone;
    }
}
