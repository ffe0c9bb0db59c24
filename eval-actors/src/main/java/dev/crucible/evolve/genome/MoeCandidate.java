package dev.crucible.evolve.genome;

import java.util.List;

/**
 * A decoded point of the {@link MoeGenome}: how to build one Mixtral mixture of the experts.
 *
 * @param expertsPerToken top-k of the routing
 * @param l2              the calibration's L2 strength (see {@code moe.SoftmaxRouterFit})
 * @param routerScale     per layer, the factor on the calibrated router rows (a softmax temperature of 1/scale)
 * @param moeLayer        per layer, true when the layer routes between the experts' MLPs, false when every
 *                        expert slot holds the experts' averaged MLP (a weight merge of that layer)
 */
public record MoeCandidate(int expertsPerToken, double l2, List<Double> routerScale, List<Boolean> moeLayer) {

    public MoeCandidate {
        routerScale = List.copyOf(routerScale);
        moeLayer = List.copyOf(moeLayer);
        if (routerScale.size() != moeLayer.size()) {
            throw new IllegalArgumentException("one router scale and one MoE flag per layer");
        }
    }
}
