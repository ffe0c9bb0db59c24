package dev.crucible.task;

import dev.crucible.runtime.LanguageModel;
import java.util.List;

/**
 * A slice of one task's items plus what scoring them needs; the unit of work an evaluator receives,
 * so it is self-contained and serialisable.
 *
 * @param task          the task's name
 * @param kind          the kind every item shares
 * @param items         the items, in file order
 * @param maxNewTokens  generation budget, or null for tokens of {@code longestAnswer} + 2
 * @param longestAnswer the task's longest answer (not just this batch's), so every batch gets the same budget
 * @param extract       extraction regex for generation items, or null
 */
public record TaskBatch(String task, TaskKind kind, List<TaskItem> items, Integer maxNewTokens,
                        String longestAnswer, String extract) {

    public TaskBatch {
        items = List.copyOf(items);
    }

    /** Runs the items through the model in one batched call and tallies the outcome. */
    public ScoreTally score(LanguageModel model) {
        return switch (kind) {
            case GENERATION -> ExactMatchScorer.of(extract).score(model, typed(GenerationItem.class), generationBudget(model));
            case CHOICE -> new ChoiceScorer().score(model, typed(ChoiceItem.class));
            case PERPLEXITY -> new PerplexityScorer().score(model, typed(TextItem.class));
        };
    }

    /** The new-token budget used with this model's tokenizer. */
    public int generationBudget(LanguageModel model) {
        if (maxNewTokens != null) {
            return maxNewTokens;
        }
        return model.tokenizer().encode(longestAnswer, false).length + 2;
    }

    private <T extends TaskItem> List<T> typed(Class<T> type) {
        return items.stream().map(type::cast).toList();
    }
}
