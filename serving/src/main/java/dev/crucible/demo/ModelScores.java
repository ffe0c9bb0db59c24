package dev.crucible.demo;

import dev.crucible.eval.EvaluationResult;
import dev.crucible.eval.EvaluationSession;
import dev.crucible.eval.ModelRef;
import dev.crucible.task.Task;
import dev.crucible.task.TaskScore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One row of a demo table: a model and its accuracy per task.
 *
 * @param name   how the table names the model
 * @param kind   {@code expert}, {@code hand merge} or {@code evolved}
 * @param scores accuracy per task (NaN when the task could not be scored)
 */
public record ModelScores(String name, String kind, Map<String, Double> scores) {

    // A demo step waits this long for one model's scores; the zoo scores in seconds.
    private static final Duration EVALUATION_TIMEOUT = Duration.ofHours(1);

    public ModelScores {
        scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
    }

    /** Scores the model in folder {@code model} on {@code tasks} through {@code session}. */
    public static ModelScores evaluate(String name, String kind, EvaluationSession session, Path model,
                                       List<Task> tasks) {
        EvaluationResult result = session.evaluate(new ModelRef.Folder(model), tasks, EVALUATION_TIMEOUT);
        Map<String, Double> scores = new LinkedHashMap<>();
        for (TaskScore s : result.scores().values()) {
            scores.put(s.task(), s.ok() ? s.score() : Double.NaN);
        }
        return new ModelScores(name, kind, scores);
    }

    /** The row with the highest mean. */
    public static ModelScores best(List<ModelScores> rows) {
        return rows.stream().max(Comparator.comparingDouble(ModelScores::mean)).orElseThrow();
    }

    /** Mean over the tasks; an unscorable task counts 0, since the model cannot do it. */
    public double mean() {
        return scores.values().stream().mapToDouble(v -> Double.isNaN(v) ? 0 : v).average().orElse(Double.NaN);
    }

    /** The lowest task score: a merge "has both skills" only as far as its weaker task goes. */
    public double weakest() {
        return scores.values().stream().mapToDouble(v -> Double.isNaN(v) ? 0 : v).min().orElse(Double.NaN);
    }
}
