package dev.crucible.merge;

import java.util.Arrays;
import java.util.List;

/**
 * A {@link MergeInput} whose tensors are read a range at a time instead of held as arrays. {@code base} may
 * be null when the method does not require one; {@code models} is in {@link MergeParameters#perModel()} order.
 */
public record StreamingInput(String tensorName, long[] outputShape, ChunkedValues base, List<ChunkedValues> models,
                             MergeParameters params, long seed) {

    public StreamingInput {
        outputShape = outputShape.clone();
        models = List.copyOf(models);
        params.requireModelCount(tensorName, models.size());
    }

    @Override
    public long[] outputShape() {
        return outputShape.clone();
    }

    /** Number of output elements. */
    public int outputLength() {
        return Math.toIntExact(Shapes.elementCount(outputShape));
    }

    /** Whether every model (and the base, when there is one) has exactly the output shape. */
    public boolean shapesMatchOutput() {
        if (base != null && !Arrays.equals(base.shape(), outputShape)) {
            return false;
        }
        for (ChunkedValues m : models) {
            if (!Arrays.equals(m.shape(), outputShape)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "StreamingInput[" + tensorName + Arrays.toString(outputShape) + "]";
    }
}
