package dev.crucible.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.task.TaskScore;
import java.util.Locale;

/** Renders an {@link EvaluationResult} for people (a table) or programs (JSON). */
public final class EvalReport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private EvalReport() {
    }

    /** One row per task: score, n, 95% interval, items/s; failed tasks say why. */
    public static String table(EvaluationResult result) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-16s %-24s %8s %6s  %-19s %10s%n",
                "task", "metric", "score", "n", "95% CI", "items/s"));
        for (TaskScore score : result.scores().values()) {
            String metric = score.higherIsBetter() ? score.metric() : score.metric() + " (lower is better)";
            if (!score.ok()) {
                out.append(String.format(Locale.ROOT, "%-16s %-24s %8s %6d  FAILED: %s%n",
                        score.task(), metric, "-", score.n(), score.failure()));
                continue;
            }
            String ci = Double.isNaN(score.ciLow()) ? "-"
                    : String.format(Locale.ROOT, "[%.4f, %.4f]", score.ciLow(), score.ciHigh());
            out.append(String.format(Locale.ROOT, "%-16s %-24s %8.4f %6d  %-19s %10.1f%n",
                    score.task(), metric, score.score(), score.n(), ci, score.itemsPerSecond()));
        }
        return out.toString();
    }

    /**
     * {@code {"model":..,"tasks":{"NAME":{"metric":"accuracy","score":0.93,"n":500,"ci95":[0.90,0.95],
     * "items_per_second":..}}}}; a failed task has {@code "score":null} and {@code "failure"}.
     */
    public static String json(String model, EvaluationResult result) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", model);
        ObjectNode tasks = root.putObject("tasks");
        for (TaskScore score : result.scores().values()) {
            ObjectNode task = tasks.putObject(score.task());
            task.put("metric", score.metric());
            task.put("higher_is_better", score.higherIsBetter());
            putNumber(task, "score", score.score());
            task.put("n", score.n());
            ArrayNode ci = task.putArray("ci95");
            addNumber(ci, score.ciLow());
            addNumber(ci, score.ciHigh());
            putNumber(task, "items_per_second", score.itemsPerSecond());
            if (!score.ok()) {
                task.put("failure", score.failure());
            }
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values always serialises", e);
        }
    }

    private static void putNumber(ObjectNode node, String field, double value) {
        if (Double.isFinite(value)) {
            node.put(field, value);
        } else {
            node.putNull(field);
        }
    }

    private static void addNumber(ArrayNode node, double value) {
        if (Double.isFinite(value)) {
            node.add(value);
        } else {
            node.addNull();
        }
    }
}
