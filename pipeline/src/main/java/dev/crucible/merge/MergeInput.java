package dev.crucible.merge;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Everything one merge method needs to produce one output tensor: the input values either held as arrays
 * ({@code MergeInput<TensorValues>}, for {@link MergeMethod#merge}) or read a range at a time from the mapped files
 * ({@code MergeInput<ChunkedValues>}, for {@link StreamingMerge}). {@code base} may be null when the method does
 * not require one; {@code models} excludes the base and is in the same order as {@link MergeParameters#perModel()}.
 * {@code seed} drives the randomised methods (see {@link MergeRandom}).
 *
 * @param <V> how the values are held
 */
public record MergeInput<V extends ChunkedValues>(String tensorName, long[] outputShape, V base, List<V> models,
                                                 MergeParameters params, long seed) {

    public MergeInput {
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
        for (V m : models) {
            if (!Arrays.equals(m.shape(), outputShape)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MergeInput<?> m && tensorName.equals(m.tensorName) && Arrays.equals(outputShape, m.outputShape)
                && Objects.equals(base, m.base) && models.equals(m.models) && params.equals(m.params)
                && seed == m.seed;
    }

    @Override
    public int hashCode() {
        return tensorName.hashCode() * 31 + Arrays.hashCode(outputShape);
    }

    @Override
    public String toString() {
        return "MergeInput[" + tensorName + Arrays.toString(outputShape) + ", base=" + base + ", models=" + models + "]";
    }
}
