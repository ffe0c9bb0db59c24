package dev.crucible.remerge;

import dev.crucible.app.AppConfig;
import dev.crucible.app.PipelineMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.dispatch.ExecutionContexts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous re-merge, the service {@code crucible run} and the admin routes talk to. Announced bases (folder
 * watcher and {@code POST /admin/bases}) wait, each on its own, until their checkpoint is complete and stable
 * ({@link BaseWatcher}); a ready base enters a Pekko Streams flow (merge, evaluate, decide) that takes one
 * candidate at a time ({@link CandidateFlow}); the decide stage promotes through the model server when the
 * {@link Gate} passes, and keeps the history in {@link RemergeState}. Rollback and promotion by hand change the
 * champion outside the flow ({@link Champions}). On close (SIGTERM) the candidate in progress is recorded as
 * {@link Decision#INTERRUPTED}, and merged again on the next start.
 */
public final class RemergeService implements AutoCloseable {

    /** How many announced bases may wait, and how many ready ones may queue; beyond it announcing answers "queue full". */
    public static final int QUEUE_CAPACITY = 32;

    private static final Logger LOG = LoggerFactory.getLogger(RemergeService.class);
    private static final Duration GIVE_UP_WAITING = Duration.ofHours(1);

    private final AppConfig config;
    private final RemergeState state;
    private final Executor blocking;
    private final Champions champions;
    private final CandidateFlow flow;
    private final BaseWatcher watcher;
    private final AtomicBoolean closed = new AtomicBoolean();
    private Cancellable watching;

    public RemergeService(AppConfig config, RemergeState state, CandidateMerger merger, CandidateScorer scorer,
            ChampionSwitch server, PipelineMetrics metrics, Executor blocking) {
        this(config, state, merger, scorer, server, metrics, blocking, GIVE_UP_WAITING);
    }

    /** As above, giving up on a base that is not complete after {@code giveUpWaiting} (1 h in production). */
    public RemergeService(AppConfig config, RemergeState state, CandidateMerger merger, CandidateScorer scorer,
            ChampionSwitch server, PipelineMetrics metrics, Executor blocking, Duration giveUpWaiting) {
        this.config = config;
        this.state = state;
        this.blocking = blocking;
        // Whoever records a decision or changes the champion holds this lock.
        Object decisionLock = new Object();
        this.champions = new Champions(config, state, merger, scorer, server, metrics, decisionLock);
        this.flow = new CandidateFlow(state, merger, scorer, server, metrics, blocking, new Gate(config.gates()),
                decisionLock, closed, this::baseFailed);
        this.watcher = new BaseWatcher(config, state, metrics, giveUpWaiting, QUEUE_CAPACITY, decisionLock, closed, flow);
    }

    /** A candidate of {@code key} failed in the flow: the watcher waits for its files to change. */
    private void baseFailed(String key, String fingerprint, String reason) {
        watcher.fail(key, fingerprint, reason);
    }

    /**
     * Serves the champion (the stored one, or one built now from {@code initial_base}), then starts the
     * flow and the folder watcher, and lets wait every base announced or present but not decided yet
     * (so a re-merge interrupted by a restart is done again), except failed ones whose files are
     * unchanged since. Blocks until the champion serves.
     */
    public void start(ActorSystem<?> system) {
        state.removedOnOpen().forEach(dir -> LOG.info("removed {}: no decision refers to it (its base is merged again)", dir));
        Champion champion = champions.serve();
        LOG.info("champion {} serves ({})", champion.id(), champion.dir());
        flow.start(system, QUEUE_CAPACITY);
        watcher.restore();
        Duration poll = config.watch().pollInterval();
        watching = system.scheduler().scheduleWithFixedDelay(poll, poll, watcher::pass,
                ExecutionContexts.fromExecutor(blocking));
    }

    /** Lets {@code base} wait for re-merge ({@code POST /admin/bases}); remembered across restarts. */
    public Announcement announce(Path base) {
        Path abs = base.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            return new Announcement.Invalid("path " + abs + " is not a folder; give a base checkpoint folder");
        }
        if (!flow.started()) {
            return new Announcement.Starting(Candidate.key(abs));
        }
        Announcement result = watcher.announce(abs);
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
        List<BaseStatus> out = new ArrayList<>(watcher.statuses());
        out.addAll(flow.statuses());
        out.sort(Comparator.comparing(BaseStatus::since).thenComparing(BaseStatus::base));
        return out;
    }

    /** How many passes the watcher has completed; a pass looks at every waiting and failed base once. */
    public long watchPasses() {
        return watcher.passes();
    }

    /**
     * Serves the previous champion again and forgets the current one; empty when there is none to go
     * back to. Fails (changing nothing) when the server refuses the previous model.
     */
    public Optional<HistoryEntry> rollback() {
        return champions.rollback();
    }

    /**
     * Makes an operator's model folder the champion ({@code POST /admin/promote} in {@code crucible run}):
     * scored, switched to, and recorded as champion and in the history as {@link Decision#MANUAL}; see
     * {@link Champions#promoteManually}.
     */
    public HistoryEntry promoteManually(Path modelDir) {
        return champions.promoteManually(modelDir);
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
        if (watching != null) {
            watching.cancel();
        }
        flow.close();
    }
}
