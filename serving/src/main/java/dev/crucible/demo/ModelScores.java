package dev.crucible.demo;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of a demo table: a model and its accuracy per task.
 *
 * @param name   how the table names the model
 * @param kind   {@code expert}, {@code hand merge} or {@code evolved}
 * @param scores accuracy per task (NaN when the task could not be scored)
 */
public record ModelScores(String name, String kind, Map<String, Double> scores) {

    public ModelScores {
        scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
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
