package dev.crucible.recipe;

/**
 * Where the embedding of one token listed under {@code tokenizer.tokens} comes from (mergekit's
 * {@code TokenEmbeddingConfig.source}).
 */
public sealed interface EmbeddingSource {

    /** The token's own row in {@code model} (the model must have the token). */
    record FromModel(String model) implements EmbeddingSource {
    }

    /**
     * The row of another token of {@code model}: {@code tokenId} in its original embedding, or the id
     * {@code token} has in that model's tokenizer; exactly one of the two is set.
     */
    record ModelToken(String model, Integer tokenId, String token) implements EmbeddingSource {
    }

    /** A row of zeros. */
    record Zero() implements EmbeddingSource {
    }
}
