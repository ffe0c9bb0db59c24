package dev.crucible.merge.methods;

import dev.crucible.merge.ChunkWriter;
import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.StreamingMerge;
import dev.crucible.merge.TensorValues;

/**
 * A method of the base and one other model (slerp, nearswap) written once over values read a range at a time:
 * it streams when both inputs have the output's shape, and runs the same code over arrays otherwise.
 */
interface StreamingPairMerge extends MergeMethod, StreamingMerge {

    /** Merges {@code base} and {@code other}, of the output's length, into {@code out}. */
    void merge(ChunkedValues base, ChunkedValues other, MergeParameters params, ChunkWriter out);

    @Override
    default float[] merge(MergeInput<TensorValues> in) {
        PairInputs pair = PairInputs.of(name(), in);
        float[] out = new float[pair.base().length];
        merge(ChunkedValues.of("base", pair.shape(), pair.base()), ChunkedValues.of("other", pair.shape(), pair.other()),
                in.params(), ChunkWriter.into(out));
        return out;
    }

    /** Streams when the base and the one model both have the output's shape. */
    @Override
    default boolean canStream(MergeInput<ChunkedValues> in) {
        return in.base() != null && in.models().size() == 1 && in.shapesMatchOutput();
    }

    @Override
    default void merge(MergeInput<ChunkedValues> in, ChunkWriter out) {
        merge(in.base(), in.models().getFirst(), in.params(), out);
    }
}
