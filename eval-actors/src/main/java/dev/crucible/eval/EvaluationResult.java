package dev.crucible.eval;

import dev.crucible.task.TaskScore;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The scores of one model on every requested task, keyed by task name in request order. */
public record EvaluationResult(Map<String, TaskScore> scores) implements CborSerializable {

    public EvaluationResult {
        scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
    }

    /** Whether every task was scored (no failures). */
    public boolean allOk() {
        return scores.values().stream().allMatch(TaskScore::ok);
    }
}
