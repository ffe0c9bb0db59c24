package dev.crucible.remerge;

import dev.crucible.eval.EvaluationSession;
import dev.crucible.eval.ModelRef;
import dev.crucible.task.Task;
import dev.crucible.task.TaskSelection;
import dev.crucible.task.TaskScore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Scores candidates through an evaluator pool (local evaluators, plus those of other cluster nodes
 * when the session's actor system is clustered). Tasks are loaded once, at start-up, so a broken
 * task file fails the service before any merge. In a cluster a candidate travels as its recipe,
 * merged in memory by the node that evaluates it, so workers need the source models, not the
 * coordinator's freshly written folder.
 */
public final class PoolScorer implements CandidateScorer {

    private final EvaluationSession session;
    private final List<Task> tasks;
    private final Duration timeout;
    private final Optional<RecipeMerger> recipes;

    /** Sends the pool each candidate's folder, for evaluators that all run in this process. */
    public PoolScorer(EvaluationSession session, List<TaskSelection> entries, Duration timeout) {
        this(session, entries, timeout, Optional.empty());
    }

    /** With {@code recipes} present, sends each candidate as {@code recipes}' recipe for its base instead of its folder. */
    public PoolScorer(EvaluationSession session, List<TaskSelection> entries, Duration timeout, Optional<RecipeMerger> recipes) {
        this.session = session;
        this.tasks = entries.stream().map(TaskSelection::load).toList();
        this.timeout = timeout;
        this.recipes = recipes;
    }

    @Override
    public Map<String, TaskScore> score(Path base, Path modelDir) {
        return session.evaluate(reference(base, modelDir), tasks, timeout).scores();
    }

    @Override
    public Map<String, TaskScore> scoreFolder(Path modelDir) {
        return session.evaluate(new ModelRef.Folder(modelDir), tasks, timeout).scores();
    }

    /** What the pool is sent for the candidate merged onto {@code base} into {@code modelDir}. */
    public ModelRef reference(Path base, Path modelDir) {
        return recipes.<ModelRef>map(merger -> ModelRef.Recipe.of(modelDir.getFileName().toString(),
                merger.recipeFor(base), RecipeMerger.SEED)).orElseGet(() -> new ModelRef.Folder(modelDir));
    }
}
