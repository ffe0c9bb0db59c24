package dev.crucible.moe;

import java.nio.file.Path;
import java.util.List;

/**
 * One entry of a mergekit-moe config's {@code experts}: the dense model whose MLPs become this expert,
 * the prompts its router row is derived from, and optional noise and scale on its weights.
 *
 * @param sourceModel     the dense model folder
 * @param positivePrompts texts that should be routed to this expert (may be empty only for random gates)
 * @param negativePrompts texts that should not
 * @param noiseScale      standard deviation of Gaussian noise added to each expert weight, or null
 * @param residualScale   factor on the expert's down projection (its contribution to the residual), or null
 */
public record MoeExpert(Path sourceModel, List<String> positivePrompts, List<String> negativePrompts,
                        Double noiseScale, Double residualScale) {

    public MoeExpert {
        positivePrompts = List.copyOf(positivePrompts);
        negativePrompts = List.copyOf(negativePrompts);
    }
}
