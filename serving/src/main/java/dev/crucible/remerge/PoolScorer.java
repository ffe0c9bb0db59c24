package dev.crucible.remerge;

import dev.crucible.app.TaskEntry;
import dev.crucible.eval.EvaluationSession;
import dev.crucible.eval.ModelRef;
import dev.crucible.task.Task;
import dev.crucible.task.TaskLoader;
import dev.crucible.task.TaskScore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Scores candidates through an evaluator pool (local evaluators, plus those of other cluster nodes
 * when the session's actor system is clustered). Tasks are loaded once, at start-up, so a broken
 * task file fails the service before any merge.
 */
public final class PoolScorer implements CandidateScorer {

    private final EvaluationSession session;
    private final List<Task> tasks;
    private final Duration timeout;

    public PoolScorer(EvaluationSession session, List<TaskEntry> entries, Duration timeout) {
        this.session = session;
        this.tasks = entries.stream().map(PoolScorer::load).toList();
        this.timeout = timeout;
    }

    private static Task load(TaskEntry entry) {
        Task task = TaskLoader.load(entry.spec());
        return entry.limit().isPresent() ? task.limit(entry.limit().getAsInt()) : task;
    }

    @Override
    public Map<String, TaskScore> score(Path modelDir) {
        return session.evaluate(new ModelRef.Folder(modelDir), tasks, timeout).scores();
    }
}
