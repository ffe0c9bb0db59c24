package dev.crucible.merge;

import java.util.Set;

/** One merge algorithm, the equivalent of a mergekit {@code merge_method}. */
public interface MergeMethod {

    /** The recipe name, e.g. {@code "ties"}. */
    String name();

    /** Whether the recipe must name a {@code base_model}. */
    boolean requiresBase();

    /** Per-model parameter names this method reads (weight, density, gamma, epsilon, ...). */
    Set<String> modelParameters();

    /** Global parameter names this method reads (t, lambda, normalize, rescale, ...). */
    Set<String> globalParameters();

    /**
     * Checks resolved parameter values before any tensor is read; throws
     * {@link dev.crucible.error.CrucibleException} naming the method, the parameter and the model.
     */
    void validate(MergeParameters params);

    /** Produces the merged tensor as float32 in row-major order, shaped like {@link MergeInput#outputShape()}. */
    float[] merge(MergeInput input);
}
