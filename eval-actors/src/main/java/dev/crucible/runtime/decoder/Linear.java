package dev.crucible.runtime.decoder;

import ai.djl.ndarray.NDArray;

/** y = x W^T + b through torch's fused linear; results live in x's manager, never the weight's. */
public final class Linear {

    private Linear() {
    }

    /** Applies weight [out, in] (and bias [out], may be null) to x [..., in]. */
    public static NDArray apply(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }
}
