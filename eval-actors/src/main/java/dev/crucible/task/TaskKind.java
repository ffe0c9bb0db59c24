package dev.crucible.task;

/** How a task's items are scored; decided by the fields of its items. */
public enum TaskKind {
    /** {@code {"prompt","answer"}}: greedy generation, exact match. */
    GENERATION("accuracy", "{prompt, answer}"),
    /** {@code {"prompt","choices","label"}}: the choice with the highest log-likelihood. */
    CHOICE("accuracy", "{prompt, choices, label}"),
    /** {@code {"text"}}: perplexity of the text, lower is better. */
    PERPLEXITY("perplexity", "{text}");

    private final String metric;
    private final String shape;

    TaskKind(String metric, String shape) {
        this.metric = metric;
        this.shape = shape;
    }

    /** The metric reported for this kind: {@code "accuracy"} or {@code "perplexity"}. */
    public String metric() {
        return metric;
    }

    /** Whether a larger score is better (false for perplexity). */
    public boolean higherIsBetter() {
        return this != PERPLEXITY;
    }

    /** The item fields that make this kind, for error messages. */
    public String shape() {
        return shape;
    }
}
