/**
 * Running models on DJL's PyTorch engine: loading weights (bf16 converted in our code), tokenizers, generation,
 * log-likelihood scoring, and {@code crucible generate} and {@code logits}.
 *
 * <p>Uses the pipeline module; the decoder math lives in {@code runtime.decoder}.
 */
package dev.crucible.runtime;
