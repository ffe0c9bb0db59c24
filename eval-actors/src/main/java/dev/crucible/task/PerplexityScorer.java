package dev.crucible.task;

import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.runtime.ScoringRequest;
import dev.crucible.runtime.TextTokenizer;
import java.util.List;

/**
 * Scores text items for perplexity. Each text is a whole document, {@code <s>} text {@code </s>}:
 * its tokens are scored in one batched call and, for text-only items, the end token after it too
 * (the probability of any end token, read from the last logits), as the zoo's reference perplexities
 * are computed. Texts add up to exp(total NLL / total tokens).
 */
public final class PerplexityScorer {

    /** NLL and token counts of the texts. */
    public ScoreTally score(LanguageModel model, List<TextItem> items) {
        TaskImages.requireSupport(model, items);
        List<ScoringRequest> requests = items.stream()
                .map(item -> new ScoringRequest("", item.text(), TaskImages.read(item.image())))
                .toList();
        double[] logLikelihoods = model.logLikelihood(requests);
        if (logLikelihoods.length != items.size()) {
            throw new CrucibleException("model " + model.name() + " returned " + logLikelihoods.length
                    + " log-likelihoods for " + items.size() + " texts");
        }
        TextTokenizer tokenizer = model.tokenizer();
        ScoreTally tally = ScoreTally.EMPTY;
        for (int i = 0; i < items.size(); i++) {
            TextItem item = items.get(i);
            double logLikelihood = logLikelihoods[i];
            int tokens = tokenizer.encode(item.text(), false).length;
            if (item.image() == null) {
                logLikelihood += endLogProbability(model, item.text());
                tokens++;
            }
            if (!Double.isFinite(logLikelihood)) {
                throw new CrucibleException("model produced a non-finite log-likelihood (" + logLikelihood
                        + ") for the text at line " + item.line());
            }
            tally = tally.plus(ScoreTally.loss(-logLikelihood, tokens));
        }
        return tally;
    }

    /** log of the probability that the text ends here: log-sum-exp of the end tokens' log-softmax. */
    static double endLogProbability(LanguageModel model, String text) {
        TextTokenizer tokenizer = model.tokenizer();
        float[] logits = model.lastLogits(tokenizer.encode(text, true), null);
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double all = 0;
        double ends = 0;
        for (int id = 0; id < logits.length; id++) {
            double weight = Math.exp(logits[id] - max);
            all += weight;
            if (tokenizer.eosIds().contains(id)) {
                ends += weight;
            }
        }
        return Math.log(ends) - Math.log(all);
    }
}
