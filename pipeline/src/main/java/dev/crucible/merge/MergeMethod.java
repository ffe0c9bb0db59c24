package dev.crucible.merge;

import java.util.Set;

/** One merge algorithm, the equivalent of a mergekit {@code merge_method}. */
public interface MergeMethod {

    /** The method's one declaration: name, whether it needs a base, the parameters it reads. */
    MethodDefinition definition();

    /** The recipe name, e.g. {@code "ties"}. */
    default String name() {
        return definition().name();
    }

    /** Whether the recipe must name a {@code base_model}. */
    default boolean requiresBase() {
        return definition().requiresBase();
    }

    /** Per-model parameter names this method reads (weight, density, gamma, epsilon, ...). */
    default Set<String> modelParameters() {
        return definition().modelParameters();
    }

    /** Global parameter names this method reads (t, lambda, normalize, rescale, ...). */
    default Set<String> globalParameters() {
        return definition().globalParameters();
    }

    /**
     * Checks resolved parameter values before any tensor is read; throws
     * {@link dev.crucible.error.CrucibleException} naming the method, the parameter and the model.
     */
    void validate(MergeParameters params);

    /** Produces the merged tensor as float32 in row-major order, shaped like {@link MergeInput#outputShape()}. */
    float[] merge(MergeInput<TensorValues> input);
}
