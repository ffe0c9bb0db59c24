package dev.crucible.recipe;

/**
 * One entry of {@code tokenizer.tokens}: the token's embedding source and whether it replaces the row of
 * models that have the token themselves ({@code force}).
 */
public record TokenEmbedding(EmbeddingSource source, boolean force) {
}
