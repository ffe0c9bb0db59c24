package dev.crucible.tensor;

import java.util.Collection;

/**
 * Named tensors that can be read as float32: a checkpoint on disk, or a merge held in memory.
 * The seam between merging and inference (an evolved candidate is evaluated without touching disk).
 */
public interface WeightSource {

    /** All tensor names, in a stable order. */
    Collection<String> tensorNames();

    /** Header facts for one tensor; throws {@link dev.crucible.error.CrucibleException} if absent. */
    TensorInfo info(String name);

    /** The tensor's values converted to float32 (a fresh array the caller owns). */
    float[] readFloats(String name);

    /** Whether a tensor of that name exists. */
    default boolean contains(String name) {
        return tensorNames().contains(name);
    }
}
