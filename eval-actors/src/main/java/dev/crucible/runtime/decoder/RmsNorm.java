package dev.crucible.runtime.decoder;

import ai.djl.ndarray.NDArray;

/** Root-mean-square normalisation over the last axis, computed in float32 as transformers does. */
public final class RmsNorm {

    private RmsNorm() {
    }

    /** x / sqrt(mean(x^2) + eps) * scale; scale already holds (1 + w) for Gemma-style norms. */
    public static NDArray apply(NDArray x, NDArray scale, float eps) {
        NDArray variance = x.square().mean(new int[] {-1}, true);
        return x.div(variance.add(eps).sqrt()).mul(scale);
    }
}
