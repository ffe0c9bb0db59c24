package dev.crucible.remerge;

import dev.crucible.task.TaskScore;
import java.nio.file.Path;
import java.util.Map;

/** Scores a model folder on the configured tasks; the seam between re-merge and the evaluator pool. */
@FunctionalInterface
public interface CandidateScorer {

    /** Scores by task name, in the configured order; a task that could not be scored carries its failure. */
    Map<String, TaskScore> score(Path modelDir);
}
