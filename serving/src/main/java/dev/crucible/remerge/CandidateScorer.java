package dev.crucible.remerge;

import dev.crucible.task.TaskScore;
import java.nio.file.Path;
import java.util.Map;

/** Scores a candidate on the configured tasks; the seam between re-merge and the evaluator pool. */
@FunctionalInterface
public interface CandidateScorer {

    /**
     * Scores the candidate merged onto {@code base} and written to {@code modelDir}, by task name in the
     * configured order; a task that could not be scored carries its failure.
     */
    Map<String, TaskScore> score(Path base, Path modelDir);

    /** Scores a model folder that no recipe produced (a manual promotion): the folder itself is evaluated. */
    default Map<String, TaskScore> scoreFolder(Path modelDir) {
        return score(modelDir, modelDir);
    }
}
