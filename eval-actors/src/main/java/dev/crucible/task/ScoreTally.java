package dev.crucible.task;

/**
 * Sufficient statistics of scored items, so batches scored anywhere in a cluster add up to the
 * task's score: matches for accuracy, and per-text NLL / token sums (with the squares and cross
 * products the perplexity interval needs) for perplexity.
 *
 * @param items        items scored
 * @param correct      items answered correctly (accuracy tasks)
 * @param nll          total negative log-likelihood in nats (perplexity tasks)
 * @param tokens       total tokens scored
 * @param nllSquares   sum over texts of nll_i^2
 * @param tokenSquares sum over texts of tokens_i^2
 * @param nllTokens    sum over texts of nll_i * tokens_i
 */
public record ScoreTally(long items, long correct, double nll, long tokens,
                         double nllSquares, double tokenSquares, double nllTokens) {

    /** Nothing scored yet. */
    public static final ScoreTally EMPTY = new ScoreTally(0, 0, 0, 0, 0, 0, 0);

    /** One accuracy item. */
    public static ScoreTally match(boolean correct) {
        return new ScoreTally(1, correct ? 1 : 0, 0, 0, 0, 0, 0);
    }

    /** One text with total {@code nll} nats over {@code tokens} tokens. */
    public static ScoreTally loss(double nll, int tokens) {
        return new ScoreTally(1, 0, nll, tokens, nll * nll, (double) tokens * tokens, nll * tokens);
    }

    /** The tally of both. */
    public ScoreTally plus(ScoreTally other) {
        return new ScoreTally(items + other.items, correct + other.correct, nll + other.nll, tokens + other.tokens,
                nllSquares + other.nllSquares, tokenSquares + other.tokenSquares, nllTokens + other.nllTokens);
    }

    /** The score for a task of {@code kind} with the given throughput. */
    public TaskScore toScore(String task, TaskKind kind, double itemsPerSecond) {
        if (kind == TaskKind.PERPLEXITY) {
            double perplexity = tokens == 0 ? Double.NaN : Math.exp(nll / tokens);
            ConfidenceInterval ci = PerplexityInterval.of(this);
            return new TaskScore(task, kind.metric(), perplexity, (int) items, ci.low(), ci.high(), itemsPerSecond, null);
        }
        double accuracy = items == 0 ? Double.NaN : (double) correct / items;
        ConfidenceInterval ci = WilsonInterval.of(correct, items);
        return new TaskScore(task, kind.metric(), accuracy, (int) items, ci.low(), ci.high(), itemsPerSecond, null);
    }
}
