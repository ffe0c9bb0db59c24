package dev.crucible.evolve;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One model of the report: its dev and test scores per task.
 *
 * @param name  how the report names it
 * @param kind  {@code source}, {@code hand merge} or {@code evolved}
 * @param dev   dev score per task (NaN when the task failed)
 * @param test  test score per task
 */
public record ScoreRow(String name, String kind, Map<String, Double> dev, Map<String, Double> test) {

    /** Kind of a source model. */
    public static final String SOURCE = "source";
    /** Kind of a default hand merge. */
    public static final String HAND = "hand merge";
    /** Kind of the search's result. */
    public static final String EVOLVED = "evolved";

    public ScoreRow {
        dev = Collections.unmodifiableMap(new LinkedHashMap<>(dev));
        test = Collections.unmodifiableMap(new LinkedHashMap<>(test));
    }

    /**
     * Mean dev score over the tasks; a task the model could not be scored on (a text-only model on an
     * image task) counts as 0, since the model cannot do it.
     */
    public double devMean() {
        return mean(dev);
    }

    /** Mean test score over the tasks, unscorable ones counting 0 (NaN without test tasks). */
    public double testMean() {
        return mean(test);
    }

    /** Whether some task could not be scored. */
    public boolean hasUnscored() {
        return dev.values().stream().anyMatch(v -> Double.isNaN(v)) || test.values().stream().anyMatch(v -> Double.isNaN(v));
    }

    private static double mean(Map<String, Double> scores) {
        return scores.values().stream().mapToDouble(v -> Double.isNaN(v) ? 0.0 : v).average().orElse(Double.NaN);
    }
}
