package dev.crucible.runtime.decoder;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * One transformer block's weights. Q, K and V are fused row-wise into one projection (and gate
 * and up likewise) so each block runs two large matmuls instead of five small ones.
 *
 * @param attnNorm     norm before attention
 * @param qkv          [(heads + 2 kvHeads) * headDim, hidden]
 * @param qkvBias      fused bias or null
 * @param out          [hidden, heads * headDim]
 * @param outBias      bias or null
 * @param attnPostNorm norm on the attention output (Gemma 2) or null
 * @param mlpNorm      norm before the MLP
 * @param mlpPostNorm  norm on the MLP output (Gemma 2) or null
 * @param mlp          the dense MLP, or null for mixture-of-experts
 * @param router       [experts, hidden] router weight for mixture-of-experts, or null
 * @param experts      the experts, empty for a dense MLP
 */
public record DecoderLayer(NDArray attnNorm, NDArray qkv, NDArray qkvBias, NDArray out, NDArray outBias,
                           NDArray attnPostNorm, NDArray mlpNorm, NDArray mlpPostNorm, GatedMlp mlp,
                           NDArray router, List<GatedMlp> experts) {

    public DecoderLayer {
        experts = List.copyOf(experts);
    }
}
