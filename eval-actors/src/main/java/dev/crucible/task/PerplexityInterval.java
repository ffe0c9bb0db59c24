package dev.crucible.task;

/**
 * 95% interval for perplexity: a normal-approximation interval of the mean NLL per token, mapped
 * through exp. The mean is a ratio (total NLL over total tokens) of per-text sums, so its standard
 * error is the ratio estimator's: sqrt(sum (y_i - R n_i)^2 / (k (k - 1) nbar^2)).
 */
public final class PerplexityInterval {

    private PerplexityInterval() {
    }

    /** The interval for a tally of texts; {@link ConfidenceInterval#NONE} with fewer than two texts. */
    public static ConfidenceInterval of(ScoreTally tally) {
        long k = tally.items();
        if (k < 2 || tally.tokens() == 0) {
            return ConfidenceInterval.NONE;
        }
        double ratio = tally.nll() / tally.tokens();
        double meanTokens = (double) tally.tokens() / k;
        double residualSquares = tally.nllSquares() - 2 * ratio * tally.nllTokens() + ratio * ratio * tally.tokenSquares();
        double standardError = Math.sqrt(Math.max(0.0, residualSquares) / (k * (k - 1.0) * meanTokens * meanTokens));
        double half = ConfidenceInterval.Z95 * standardError;
        return new ConfidenceInterval(Math.exp(ratio - half), Math.exp(ratio + half));
    }
}
