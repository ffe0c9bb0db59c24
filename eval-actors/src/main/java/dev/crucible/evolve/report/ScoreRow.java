package dev.crucible.evolve.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One model of the report: its dev and test scores per task.
 *
 * @param name  how the report names it
 * @param kind  {@code source}, {@code hand merge}, {@code moe} or {@code evolved}
 * @param dev   dev score per task (NaN when the task failed)
 * @param test  test score per task
 */
public record ScoreRow(String name, String kind, Map<String, Double> dev, Map<String, Double> test) {

    /** Kind of a source model. */
    public static final String SOURCE = "source";
    /** Kind of a default hand merge. */
    public static final String HAND = "hand merge";
    /** Kind of a fixed mixture of experts an MoE search is compared with (mergekit's gates, calibrated). */
    public static final String MOE = "moe";
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

    /** Writes {@code rows} as {@code scores.json}: name, kind, dev and test per task, and their means. */
    public static void writeJson(List<ScoreRow> rows, Path file) {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        ArrayNode models = root.putArray("models");
        for (ScoreRow r : rows) {
            ObjectNode m = models.addObject();
            m.put("name", r.name());
            m.put("kind", r.kind());
            m.set("dev", json.valueToTree(r.dev()));
            m.set("test", json.valueToTree(r.test()));
            m.put("dev_mean", r.devMean());
            m.put("test_mean", r.testMean());
        }
        try {
            json.writeValue(file.toFile(), root);
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot write (" + e.getMessage() + ")", e);
        }
    }
}
