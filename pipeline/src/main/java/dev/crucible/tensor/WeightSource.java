package dev.crucible.tensor;

import java.nio.FloatBuffer;
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

    /**
     * Writes the tensor's values as float32 into {@code dst} from its position on, advancing it. Sources that hold
     * encoded bytes override it to decode in pieces, without a whole-tensor array.
     */
    default void readFloatsInto(String name, FloatBuffer dst) {
        dst.put(readFloats(name));
    }

    /** Whether a tensor of that name exists. */
    default boolean contains(String name) {
        return tensorNames().contains(name);
    }
}
