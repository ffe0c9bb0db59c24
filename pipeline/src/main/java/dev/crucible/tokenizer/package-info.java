/**
 * The output vocabulary of a merge (mergekit's {@code tokenizer_source} and {@code tokenizer:} block):
 * Hugging Face {@code tokenizer.json} files read and edited as JSON ({@link dev.crucible.tokenizer.TokenizerJson}),
 * the union or chosen vocabulary and each model's row permutation ({@link dev.crucible.tokenizer.OutputVocabulary}),
 * and the rearranged embedding and output-head rows every model brings to the merge
 * ({@link dev.crucible.tokenizer.EmbeddingPermutation}).
 */
package dev.crucible.tokenizer;
