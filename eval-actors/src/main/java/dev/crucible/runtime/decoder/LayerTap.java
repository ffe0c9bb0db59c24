package dev.crucible.runtime.decoder;

import ai.djl.ndarray.NDArray;

/**
 * Sees the activations of a forward pass as they are computed, e.g. to collect the hidden states
 * that mixture-of-experts routers are derived from. The arrays are freed when their block ends: copy out
 * what must outlive the call.
 */
public interface LayerTap {

    /**
     * The residual stream entering block {@code layer} [B, T, hidden]: the token embeddings for block 0,
     * else block {@code layer - 1}'s output (what transformers lists as {@code hidden_states[layer]}).
     */
    void blockInput(int layer, NDArray residual);

    /** Block {@code layer}'s normalised MLP input [B, T, hidden]: what a Mixtral router reads. */
    void mlpInput(int layer, NDArray normed);
}
