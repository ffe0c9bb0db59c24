package dev.crucible.lora;

import java.util.List;
import java.util.regex.Pattern;

/**
 * What {@code crucible extract-lora} does, with {@code mergekit-extract-lora}'s options and defaults.
 *
 * @param maxRank            the largest rank of a module's factors ({@code --max-rank}, 128)
 * @param distributeScale    split the singular values between A and B as their square roots
 *                           ({@code --distribute-scale}, the default) instead of putting them all in A
 * @param embedLora          decompose embeddings too ({@code --embed-lora}); by default they are saved whole
 * @param modulesToSave      modules saved whole, by full name or last name component ({@code --save-module})
 * @param include            only modules whose name some of these find ({@code --include-regex}), when any
 * @param exclude            no module whose name one of these finds ({@code --exclude-regex})
 * @param svEpsilon          singular values at or below this are dropped ({@code --sv-epsilon}, 0 = off)
 * @param skipUndecomposable leave out modules that are not linear or embeddings instead of saving them whole
 * @param threads            modules decomposed at once
 */
public record ExtractionOptions(int maxRank, boolean distributeScale, boolean embedLora, List<String> modulesToSave,
                                List<Pattern> include, List<Pattern> exclude, double svEpsilon,
                                boolean skipUndecomposable, int threads) {

    public ExtractionOptions {
        modulesToSave = List.copyOf(modulesToSave);
        include = List.copyOf(include);
        exclude = List.copyOf(exclude);
    }

    /** mergekit-extract-lora's defaults at {@code maxRank}. */
    public static ExtractionOptions defaults(int maxRank) {
        return new ExtractionOptions(maxRank, true, false, List.of(), List.of(), List.of(), 0, false, 1);
    }
}
