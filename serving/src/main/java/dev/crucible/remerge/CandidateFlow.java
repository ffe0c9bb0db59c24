package dev.crucible.remerge;

import dev.crucible.app.PipelineMetrics;
import dev.crucible.error.Causes;
import dev.crucible.error.CrucibleException;
import dev.crucible.stream.MergeStats;
import dev.crucible.task.TaskScore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.Supervision;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The candidate lifecycle: a Pekko Streams flow (merge, evaluate, decide) that takes one ready base at a time,
 * so a burst of new bases queues (bounded) instead of starting many merges. The decide stage promotes through
 * the model server when the {@link Gate} passes and appends every outcome to the history; a failed stage is
 * recorded as {@link Decision#FAILED} and its base reported to {@link BaseFailures}. On close, candidates still
 * in the flow are recorded as {@link Decision#INTERRUPTED}.
 */
final class CandidateFlow {

    /** Where a base whose candidate failed is reported, so it is tried again only when its files change. */
    @FunctionalInterface
    interface BaseFailures {
        void failed(String key, String fingerprint, String reason);
    }

    private static final Logger LOG = LoggerFactory.getLogger(CandidateFlow.class);

    private final RemergeState state;
    private final CandidateMerger merger;
    private final CandidateScorer scorer;
    private final ChampionSwitch server;
    private final PipelineMetrics metrics;
    private final Executor blocking;
    private final Gate gate;
    private final Object decisionLock;
    private final AtomicBoolean closed;
    private final BaseFailures failures;
    /** Candidates in the flow by base, and the stage each is in. */
    private final Map<String, Candidate> inFlow = new ConcurrentHashMap<>();
    private final Map<String, BaseStatus> flowStatus = new ConcurrentHashMap<>();
    private volatile BoundedSourceQueue<Candidate> queue;

    /** {@code decisionLock} is held by whoever records a decision or changes the champion. */
    CandidateFlow(RemergeState state, CandidateMerger merger, CandidateScorer scorer, ChampionSwitch server,
            PipelineMetrics metrics, Executor blocking, Gate gate, Object decisionLock, AtomicBoolean closed,
            BaseFailures failures) {
        this.state = state;
        this.merger = merger;
        this.scorer = scorer;
        this.server = server;
        this.metrics = metrics;
        this.blocking = blocking;
        this.gate = gate;
        this.decisionLock = decisionLock;
        this.closed = closed;
        this.failures = failures;
    }

    /** Starts the flow, holding at most {@code capacity} queued candidates. */
    void start(ActorSystem<?> system, int capacity) {
        Pair<BoundedSourceQueue<Candidate>, CompletionStage<Done>> flow = Source.<Candidate>queue(capacity)
                .mapAsync(1, c -> stage("merge", c, this::merge))
                .mapAsync(1, c -> stage("evaluate", c, this::evaluate))
                .mapAsync(1, c -> stage("decide", c, this::decide))
                // A bug must not end re-merging for good: drop the element, keep the flow.
                .withAttributes(ActorAttributes.withSupervisionStrategy(Supervision.getResumingDecider()))
                .toMat(Sink.ignore(), Keep.both())
                .run(system);
        queue = flow.first();
    }

    /** Whether the flow has started (announcements before it are refused as "starting"). */
    boolean started() {
        return queue != null;
    }

    /** Queues {@code c}; false, changing nothing, when the flow is full. */
    boolean offer(Candidate c) {
        String key = Candidate.key(c.base());
        inFlow.put(key, c);
        flowStatus.put(key, new BaseStatus(key, "queued", c.id(), Instant.now()));
        if (queue.offer(c) == QueueOfferResult.enqueued()) {
            return true;
        }
        inFlow.remove(key);
        flowStatus.remove(key);
        return false;
    }

    /** How many candidates are queued or in a stage. */
    int size() {
        return inFlow.size();
    }

    /** Where each candidate in the flow is. */
    Collection<BaseStatus> statuses() {
        return flowStatus.values();
    }

    /** Reports each score of candidate {@code id} to the metrics. */
    static void recordScores(PipelineMetrics metrics, String id, Map<String, TaskScore> scores) {
        scores.values().forEach(s -> metrics.score(id, s.task(), s.metric(), s.score()));
    }

    private CompletionStage<Candidate> stage(String name, Candidate c, UnaryOperator<Candidate> work) {
        if (c.failure() != null) {
            return CompletableFuture.completedFuture(c);
        }
        if (closed.get()) {
            // close() recorded it as interrupted; the next start merges it again.
            return CompletableFuture.completedFuture(c.failed("interrupted"));
        }
        String key = Candidate.key(c.base());
        flowStatus.computeIfPresent(key, (k, s) -> new BaseStatus(k, name, c.id(), Instant.now()));
        metrics.stage(name, 1);
        return CompletableFuture.supplyAsync(() -> work.apply(c), blocking).handle((done, error) -> {
            metrics.stage(name, -1);
            if (error == null) {
                return done;
            }
            Throwable cause = Causes.unwrap(error);
            String why = name + ": " + (cause instanceof CrucibleException ? cause.getMessage() : cause.toString());
            Candidate failedCandidate = c.failed(why);
            synchronized (decisionLock) {
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
        inFlow.replace(Candidate.key(c.base()), merged);
        return merged;
    }

    private Candidate evaluate(Candidate c) {
        Map<String, TaskScore> scores = scorer.score(c.base(), c.dir());
        recordScores(metrics, c.id(), scores);
        return new Candidate(c.id(), c.base(), c.fingerprint(), c.dir(), c.stats(), scores, null);
    }

    private Candidate decide(Candidate c) {
        synchronized (decisionLock) {
            if (closed.get()) {
                return c.failed("interrupted");
            }
            Champion champion = state.champion().orElseThrow(() -> new CrucibleException("no champion to compare with"));
            GateDecision decision = gate.decide(champion.scores(), c.scores());
            String key = Candidate.key(c.base());
            if (!decision.promote()) {
                // Listing, folder, then the decision: whoever sees the decision sees the rest done.
                leaveFlow(c);
                deleteQuietly(c.dir());
                state.append(new HistoryEntry(c.id(), Instant.now(), Decision.REJECTED, key, c.dir().toString(),
                        c.scores(), champion.id(), decision.meanGain(), decision.reasons(), null));
                metrics.decided("rejected");
                LOG.info("candidate {} rejected: {}", c.id(), String.join("; ", decision.reasons()));
                return c;
            }
            String version = server.promote(c.dir());
            state.pushChampion(new Champion(c.id(), c.dir().toString(), key, c.scores()));
            leaveFlow(c);
            state.append(new HistoryEntry(c.id(), Instant.now(), Decision.PROMOTED, key, c.dir().toString(),
                    c.scores(), champion.id(), decision.meanGain(), List.of(), version));
            metrics.decided("promoted");
            LOG.info("candidate {} promoted as {} (mean gain {})", c.id(), version,
                    String.format(java.util.Locale.ROOT, "%+.4f", decision.meanGain()));
            return c;
        }
    }

    private void leaveFlow(Candidate c) {
        inFlow.remove(Candidate.key(c.base()));
        flowStatus.remove(Candidate.key(c.base()));
    }

    /** Records a failed candidate (caller holds the decision lock). */
    private void recordFailure(Candidate c) {
        String champion = state.champion().map(Champion::id).orElse(null);
        leaveFlow(c);
        failures.failed(Candidate.key(c.base()), c.fingerprint(), c.failure());
        if (c.dir() != null) {
            deleteQuietly(c.dir());
        }
        state.append(new HistoryEntry(c.id(), Instant.now(), Decision.FAILED, Candidate.key(c.base()),
                c.dir() == null ? null : c.dir().toString(), c.scores(), champion, 0, List.of(c.failure()), null));
        metrics.decided("failed");
    }

    private static void deleteQuietly(Path dir) {
        try {
            RemergeState.deleteTree(dir);
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", dir, e.getMessage());
        }
    }

    /**
     * Stops taking candidates. One being merged or evaluated is not finished (a merge can take longer than any
     * shutdown grace period): it is recorded as {@link Decision#INTERRUPTED}, its folder is removed on the next
     * start and its base merged again then. The caller has set {@code closed}.
     */
    void close() {
        if (queue != null) {
            queue.complete();
        }
        synchronized (decisionLock) {
            for (Candidate c : inFlow.values()) {
                String key = Candidate.key(c.base());
                String stage = flowStatus.getOrDefault(key, new BaseStatus("", "queued", "", Instant.now())).state();
                try {
                    state.append(new HistoryEntry(c.id(), Instant.now(), Decision.INTERRUPTED, key,
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
}
