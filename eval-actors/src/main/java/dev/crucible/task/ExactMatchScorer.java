package dev.crucible.task;

import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.Generation;
import dev.crucible.runtime.GenerationRequest;
import dev.crucible.runtime.LanguageModel;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Scores generation items: greedy generation, then the trimmed output must equal the trimmed
 * answer. With an extraction regex, the first match in each (group 1 if the regex has a group,
 * else the whole match) is compared instead; an output without a match is wrong.
 */
public final class ExactMatchScorer {

    private final Pattern extract;

    private ExactMatchScorer(Pattern extract) {
        this.extract = extract;
    }

    /** A scorer for the given extraction regex (null for plain exact match). */
    public static ExactMatchScorer of(String extract) {
        if (extract == null) {
            return new ExactMatchScorer(null);
        }
        try {
            return new ExactMatchScorer(Pattern.compile(extract));
        } catch (PatternSyntaxException e) {
            throw new CrucibleException("extract regex '" + extract + "' is invalid: " + e.getDescription()
                    + " near index " + e.getIndex());
        }
    }

    /** Whether the model's output counts as the answer. */
    public boolean matches(String output, String answer) {
        if (extract == null) {
            return output.trim().equals(answer.trim());
        }
        String got = extracted(output);
        if (got == null) {
            return false;
        }
        String expected = extracted(answer);
        return got.trim().equals((expected == null ? answer : expected).trim());
    }

    /** Generates greedily for each item (one batched call) and counts exact matches. */
    public ScoreTally score(LanguageModel model, List<GenerationItem> items, int maxNewTokens) {
        TaskImages.requireSupport(model, items);
        List<GenerationRequest> requests = items.stream()
                .map(item -> new GenerationRequest(item.prompt(), TaskImages.read(item.image()), maxNewTokens,
                        0.0, 1.0, 0, 0L, List.of()))
                .toList();
        List<Generation> outputs = model.generate(requests);
        if (outputs.size() != items.size()) {
            throw new CrucibleException("model " + model.name() + " returned " + outputs.size()
                    + " generations for " + items.size() + " prompts");
        }
        ScoreTally tally = ScoreTally.EMPTY;
        for (int i = 0; i < items.size(); i++) {
            tally = tally.plus(ScoreTally.match(matches(outputs.get(i).text(), items.get(i).answer())));
        }
        return tally;
    }

    private String extracted(String text) {
        Matcher matcher = extract.matcher(text);
        if (!matcher.find()) {
            return null;
        }
        return matcher.groupCount() >= 1 && matcher.group(1) != null ? matcher.group(1) : matcher.group();
    }
}
