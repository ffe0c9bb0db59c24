/**
 * Our decoder on DJL NDArray ops (Llama-family layers: RMSNorm, rotary embeddings, attention with a KV cache,
 * gated MLP), checked against transformers' logits.
 *
 * <p>Uses DJL and the {@code runtime} interfaces it implements.
 */
package dev.crucible.runtime.decoder;
