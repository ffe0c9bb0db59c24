package dev.crucible.remerge;

import dev.crucible.app.AppConfig;
import dev.crucible.app.PipelineMetrics;
import dev.crucible.error.CrucibleException;
import dev.crucible.task.TaskScore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The champion's own lifecycle outside the flow: serving the stored champion on start (or building the first
 * one from {@code initial_base}), rolling back to the previous one, and an operator's promotion by hand. Each
 * switches the server first and records afterwards, so a refused model changes nothing.
 */
final class Champions {

    private static final Logger LOG = LoggerFactory.getLogger(Champions.class);

    private final AppConfig config;
    private final RemergeState state;
    private final CandidateMerger merger;
    private final CandidateScorer scorer;
    private final ChampionSwitch server;
    private final PipelineMetrics metrics;
    private final Object decisionLock;

    /** {@code decisionLock} is held by whoever records a decision or changes the champion. */
    Champions(AppConfig config, RemergeState state, CandidateMerger merger, CandidateScorer scorer, ChampionSwitch server,
            PipelineMetrics metrics, Object decisionLock) {
        this.config = config;
        this.state = state;
        this.merger = merger;
        this.scorer = scorer;
        this.server = server;
        this.metrics = metrics;
        this.decisionLock = decisionLock;
    }

    /** Serves the stored champion, or builds, scores and serves the first one from {@code initial_base}. */
    Champion serve() {
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
        CandidateFlow.recordScores(metrics, id, scores);
        String version = server.promote(dir);
        Champion champion = new Champion(id, dir.toString(), Candidate.key(base), scores);
        state.pushChampion(champion);
        state.append(new HistoryEntry(id, Instant.now(), Decision.INITIAL, Candidate.key(base), dir.toString(), scores,
                null, 0, List.of(), version));
        return champion;
    }

    /**
     * Serves the previous champion again and forgets the current one; empty when there is none to go
     * back to. Fails (changing nothing) when the server refuses the previous model.
     */
    Optional<HistoryEntry> rollback() {
        synchronized (decisionLock) {
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
     * Makes an operator's model folder the champion: scores it on the tasks, so later candidates are gated
     * against what is actually served, switches the server, and records it as champion (a rollback returns to
     * the one before) and in the history as {@link Decision#MANUAL}, so a restart serves it again. Fails,
     * changing nothing, when the folder cannot be scored or the server refuses it.
     */
    HistoryEntry promoteManually(Path modelDir) {
        Path dir = modelDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new CrucibleException("path " + dir + " is not a folder; give a model checkpoint folder");
        }
        String id = state.nextCandidateId(dir);
        Map<String, TaskScore> scores = scorer.scoreFolder(dir);
        CandidateFlow.recordScores(metrics, id, scores);
        synchronized (decisionLock) {
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
}
