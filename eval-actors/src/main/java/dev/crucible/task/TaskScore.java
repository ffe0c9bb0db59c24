package dev.crucible.task;

/**
 * A task's result for one model. {@code metric} is {@code "accuracy"} (higher is better, Wilson 95%
 * interval) or {@code "perplexity"} (lower is better, interval of the mean NLL mapped through exp).
 * When the model failed (load error, exception, non-finite scores) {@code failure} says why and the
 * score and interval are NaN.
 */
public record TaskScore(String task, String metric, double score, int n, double ciLow, double ciHigh,
                        double itemsPerSecond, String failure) {

    /** A task the model could not be scored on. */
    public static TaskScore failed(String task, String metric, int n, String failure) {
        return new TaskScore(task, metric, Double.NaN, n, Double.NaN, Double.NaN, 0.0, failure);
    }

    /** Whether the score is real (no failure). */
    public boolean ok() {
        return failure == null;
    }

    /** Whether a larger score is better for this metric. */
    public boolean higherIsBetter() {
        return !TaskKind.PERPLEXITY.metric().equals(metric);
    }
}
