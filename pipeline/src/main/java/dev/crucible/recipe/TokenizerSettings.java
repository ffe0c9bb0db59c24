package dev.crucible.recipe;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The output vocabulary of a merge, from mergekit's {@code tokenizer:} block or its older
 * {@code tokenizer_source} field.
 *
 * @param source          {@code union}, {@code base}, or a model string of the recipe
 * @param tokens          tokens to add or whose embedding to choose, in recipe order
 * @param padToMultipleOf the vocab size is rounded up to a multiple of this, or null
 */
public record TokenizerSettings(String source, Map<String, TokenEmbedding> tokens, Integer padToMultipleOf) {

    public static final String UNION = "union";
    public static final String BASE = "base";

    public TokenizerSettings {
        tokens = Collections.unmodifiableMap(new LinkedHashMap<>(tokens));
    }

    /** What {@code tokenizer_source: X} means. */
    public static TokenizerSettings ofSource(String source) {
        return new TokenizerSettings(source, Map.of(), null);
    }
}
