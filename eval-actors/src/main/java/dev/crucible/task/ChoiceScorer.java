package dev.crucible.task;

import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.ImageInput;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.runtime.ScoringRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores multiple-choice items: the model's pick is the choice with the highest
 * log-likelihood given the prompt (ties go to the first), all choices of a batch in one call.
 */
public final class ChoiceScorer {

    /** Counts items whose highest-likelihood choice is the labelled one. */
    public ScoreTally score(LanguageModel model, List<ChoiceItem> items) {
        TaskImages.requireSupport(model, items);
        List<ScoringRequest> requests = new ArrayList<>();
        for (ChoiceItem item : items) {
            ImageInput image = TaskImages.read(item.image());
            for (String choice : item.choices()) {
                requests.add(new ScoringRequest(item.prompt(), choice, image));
            }
        }
        double[] logLikelihoods = model.logLikelihood(requests);
        if (logLikelihoods.length != requests.size()) {
            throw new CrucibleException("model " + model.name() + " returned " + logLikelihoods.length
                    + " log-likelihoods for " + requests.size() + " choices");
        }
        ScoreTally tally = ScoreTally.EMPTY;
        int offset = 0;
        for (ChoiceItem item : items) {
            int pick = argmax(logLikelihoods, offset, item.choices().size(), item.line());
            tally = tally.plus(ScoreTally.match(pick == item.label()));
            offset += item.choices().size();
        }
        return tally;
    }

    /** Index (relative to {@code offset}) of the largest of {@code count} values; non-finite values are a model failure. */
    static int argmax(double[] values, int offset, int count, int line) {
        int best = 0;
        for (int i = 0; i < count; i++) {
            double value = values[offset + i];
            if (Double.isNaN(value) || value == Double.POSITIVE_INFINITY) {
                throw new CrucibleException("model produced a non-finite log-likelihood (" + value
                        + ") for the item at line " + line);
            }
            if (value > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
