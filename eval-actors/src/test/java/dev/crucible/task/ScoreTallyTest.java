package dev.crucible.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ScoreTallyTest {

    @Test
    void accuracyIsCorrectOverItemsWithWilsonInterval() {
        ScoreTally tally = ScoreTally.EMPTY;
        for (int i = 0; i < 10; i++) {
            tally = tally.plus(ScoreTally.match(i < 5));
        }

        TaskScore score = tally.toScore("t", TaskKind.GENERATION, 12.5);

        assertThat(score).isEqualTo(new TaskScore("t", "accuracy", 0.5, 10, WilsonInterval.of(5, 10).low(),
                WilsonInterval.of(5, 10).high(), 12.5, null));
    }

    @Test
    void perplexityIsExpOfTotalNllOverTotalTokens() {
        ScoreTally tally = ScoreTally.loss(6.0, 4).plus(ScoreTally.loss(2.0, 4));

        TaskScore score = tally.toScore("ppl", TaskKind.PERPLEXITY, 1.0);

        assertThat(score.metric()).isEqualTo("perplexity");
        assertThat(score.higherIsBetter()).isFalse();
        assertThat(score.score()).isCloseTo(Math.exp(1.0), within(1e-12));
    }

    @Test
    void perplexityIntervalMatchesTheRatioEstimatorComputedItemByItem() {
        SplittableRandom random = new SplittableRandom(7);
        int k = 50;
        double[] nll = new double[k];
        int[] tokens = new int[k];
        ScoreTally tally = ScoreTally.EMPTY;
        for (int i = 0; i < k; i++) {
            tokens[i] = 10 + random.nextInt(30);
            nll[i] = tokens[i] * (0.6 + 0.2 * random.nextDouble());
            tally = tally.plus(ScoreTally.loss(nll[i], tokens[i]));
        }
        // Reference: the textbook two-pass formula over the items.
        double totalNll = 0;
        double totalTokens = 0;
        for (int i = 0; i < k; i++) {
            totalNll += nll[i];
            totalTokens += tokens[i];
        }
        double ratio = totalNll / totalTokens;
        double meanTokens = totalTokens / k;
        double residuals = 0;
        for (int i = 0; i < k; i++) {
            residuals += Math.pow(nll[i] - ratio * tokens[i], 2);
        }
        double se = Math.sqrt(residuals / (k * (k - 1.0))) / meanTokens;

        ConfidenceInterval ci = PerplexityInterval.of(tally);

        assertThat(ci.low()).isCloseTo(Math.exp(ratio - 1.959963984540054 * se), within(1e-12));
        assertThat(ci.high()).isCloseTo(Math.exp(ratio + 1.959963984540054 * se), within(1e-12));
        assertThat(ci.low()).isLessThan(Math.exp(ratio));
        assertThat(ci.high()).isGreaterThan(Math.exp(ratio));
    }

    @Test
    void oneTextGivesNoInterval() {
        assertThat(PerplexityInterval.of(ScoreTally.loss(3.0, 5))).isEqualTo(ConfidenceInterval.NONE);
    }

    @Test
    void tallyAddsUpInAnyGrouping() {
        ScoreTally a = ScoreTally.loss(1.5, 3);
        ScoreTally b = ScoreTally.loss(2.5, 4);
        ScoreTally c = ScoreTally.match(true);

        assertThat(a.plus(b).plus(c)).isEqualTo(a.plus(b.plus(c)));
        assertThat(ScoreTally.EMPTY.plus(a)).isEqualTo(a);
    }
}
