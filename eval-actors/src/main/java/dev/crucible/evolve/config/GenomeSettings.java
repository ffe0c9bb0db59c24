package dev.crucible.evolve.config;

import java.util.List;

/**
 * The {@code genome:} block: what the search may change.
 *
 * @param layerGroups number of anchors of each per-layer gradient (1: one value for all layers)
 * @param filters     tensor-name filters (e.g. {@code self_attn}, {@code mlp}) that get their own genes;
 *                    tensors matching none of them share the default genes
 * @param space       the search space
 * @param weightMin   lower edge of the weight box
 * @param weightMax   upper edge of the weight box (the paper found weights summing to about 2 help)
 * @param normalize   the merge's {@code normalize} flag, or null for the method's default
 * @param repeats     data-flow space: how often the source models' layers are laid out in sequence
 * @param scaleMax    data-flow space: upper edge of the per-step scale box (lower edge 0)
 */
public record GenomeSettings(int layerGroups, List<String> filters, SearchSpace space, double weightMin,
                             double weightMax, Boolean normalize, int repeats, double scaleMax) {

    public GenomeSettings {
        filters = List.copyOf(filters);
    }

    /** Defaults: one group, no filters, parameter space, weights in [0, 2], 2 repeats, scales in [0, 2]. */
    public static GenomeSettings defaults() {
        return new GenomeSettings(1, List.of(), SearchSpace.PARAMETER, 0.0, 2.0, null, 2, 2.0);
    }
}
