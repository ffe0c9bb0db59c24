package dev.crucible.runtime.vision;

import ai.djl.ndarray.NDArray;

/**
 * One CLIP encoder layer's weights (pre-norm attention with biases, then a two-layer MLP).
 *
 * @param qkv     fused [3 * hidden, hidden], q rows first
 * @param qkvBias fused [3 * hidden]
 */
public record ClipEncoderLayer(NDArray norm1Weight, NDArray norm1Bias, NDArray qkv, NDArray qkvBias,
                               NDArray out, NDArray outBias, NDArray norm2Weight, NDArray norm2Bias,
                               NDArray fc1, NDArray fc1Bias, NDArray fc2, NDArray fc2Bias) {
}
