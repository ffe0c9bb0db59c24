package dev.crucible.remerge;

import dev.crucible.app.AppConfig;
import dev.crucible.app.PipelineMetrics;
import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch side of re-merge: announced bases (folder watcher and {@code POST /admin/bases}) wait, each on its
 * own, until their checkpoint is complete and stable. A pass looks at every waiting base, so a stray or
 * never-finished folder holds up nothing but itself; a folder deleted while waiting is forgotten; a ready base
 * is handed to the {@link CandidateFlow}. A failed base is tried again when its files change.
 */
final class BaseWatcher {

    private static final Logger LOG = LoggerFactory.getLogger(BaseWatcher.class);

    private final AppConfig config;
    private final RemergeState state;
    private final PipelineMetrics metrics;
    private final Duration giveUpWaiting;
    private final int capacity;
    private final Object decisionLock;
    private final AtomicBoolean closed;
    private final CandidateFlow flow;
    /** Bases waiting, queued, in the flow or decided: neither the watcher nor an announcement adds them again. */
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    /** Waiting bases in the order they arrived (guarded by {@link #watchLock}), so ready ones queue in that order. */
    private final Map<String, BaseWatch> waiting = new LinkedHashMap<>();
    /** Bases whose re-merge failed: tried again when their files change, or when announced again. */
    private final Map<String, FailedBase> failed = new ConcurrentHashMap<>();
    private final Object watchLock = new Object();
    private final AtomicLong passes = new AtomicLong();

    /** At most {@code capacity} bases wait; {@code decisionLock} is held by whoever records a decision. */
    BaseWatcher(AppConfig config, RemergeState state, PipelineMetrics metrics, Duration giveUpWaiting, int capacity,
            Object decisionLock, AtomicBoolean closed, CandidateFlow flow) {
        this.config = config;
        this.state = state;
        this.metrics = metrics;
        this.giveUpWaiting = giveUpWaiting;
        this.capacity = capacity;
        this.decisionLock = decisionLock;
        this.closed = closed;
        this.flow = flow;
    }

    /**
     * Lets wait every base announced or present but not decided yet (so a re-merge interrupted by a restart is
     * done again), except failed ones whose files are unchanged since.
     */
    void restore() {
        known.add(Candidate.key(config.initialBase()));
        known.addAll(state.decidedBases());
        Map<String, FailedBase> failedBefore = state.failures();
        Set<Path> pending = new LinkedHashSet<>(state.announcements());
        pending.addAll(baseFolders());
        synchronized (watchLock) {
            for (Path base : pending) {
                String key = Candidate.key(base);
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
    }

    /** Lets the folder {@code base} (absolute, normalised) wait, unless it is known already or too many wait. */
    Announcement announce(Path base) {
        synchronized (watchLock) {
            return admit(base);
        }
    }

    /** Every waiting base and every failed one. */
    List<BaseStatus> statuses() {
        List<BaseStatus> out = new ArrayList<>();
        synchronized (watchLock) {
            waiting.forEach((key, watch) -> out.add(new BaseStatus(key, "waiting", watch.status(), watch.since())));
        }
        failed.values().forEach(f -> out.add(new BaseStatus(f.base(), "failed",
                f.reason() + " (tried again when its files change, or when announced again)", f.at())));
        return out;
    }

    /** How many passes have completed; a pass looks at every waiting and failed base once. */
    long passes() {
        return passes.get();
    }

    /** Records that the re-merge of {@code key} failed: it waits again only when its files change or it is announced. */
    void fail(String key, String fingerprint, String reason) {
        FailedBase failure = new FailedBase(key, fingerprint, reason, Instant.now());
        state.recordFailure(failure);
        failed.put(key, failure);
        known.remove(key);
    }

    /** Lets {@code base} wait (caller holds {@link #watchLock}). */
    private Announcement admit(Path base) {
        String key = Candidate.key(base);
        if (!known.add(key)) {
            return new Announcement.AlreadyKnown(key);
        }
        if (waiting.size() >= capacity) {
            known.remove(key);
            return new Announcement.QueueFull(key, capacity);
        }
        failed.remove(key);
        waiting.put(key, new BaseWatch(base.toAbsolutePath().normalize(), config.watch().stableFor(), giveUpWaiting,
                System.nanoTime(), Instant.now()));
        metrics.stage("wait", 1);
        LOG.info("new base {} waits until it is complete", key);
        return new Announcement.Accepted(key, waiting.size() + flow.size());
    }

    /**
     * One pass of the watcher: new folders in {@code bases_dir} start waiting, failed bases whose files
     * changed wait again, every waiting base is looked at once (ready ones enter the flow, removed ones
     * are forgotten, ones waiting too long fail).
     */
    void pass() {
        synchronized (watchLock) {
            if (closed.get()) {
                return;
            }
            try {
                for (Path base : baseFolders()) {
                    String key = Candidate.key(base);
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
                synchronized (decisionLock) {
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
                if (flow.offer(c)) {
                    stopWaiting(key);
                    LOG.info("base {} is complete; candidate {} queued for re-merge", key, c.id());
                }
                // Otherwise the flow is full: the base keeps waiting, and is offered again on the next pass.
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
}
