package dev.crucible.runtime.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A gated MLP: down(act(gate(x)) * up(x)), with gate and up fused row-wise.
 *
 * @param gateUp [2 * intermediate, hidden], gate rows first
 * @param gateUpBias fused bias or null
 * @param down   [hidden, intermediate]
 * @param downBias bias or null
 */
public record GatedMlp(NDArray gateUp, NDArray gateUpBias, NDArray down, NDArray downBias) {

    /** Applies the MLP to x [..., hidden]. */
    public NDArray apply(NDArray x, Activation act) {
        NDArray both = Linear.apply(x, gateUp, gateUpBias);
        NDList halves = both.split(2, both.getShape().dimension() - 1);
        NDArray hidden = act.apply(halves.get(0)).mul(halves.get(1));
        return Linear.apply(hidden, down, downBias);
    }
}
