package dev.crucible.stream;

import dev.crucible.merge.ChunkedValues;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.FloatCodec;
import dev.crucible.tensor.Tensor;

/**
 * A stored tensor's values decoded to float32 a range at a time, straight from its (mapped) bytes. Pages a read
 * has passed go back to the kernel a block at a time, so even a huge tensor (a 128K-token embedding is 1 GiB per
 * model) never sits in the process's resident memory whole; they stay in the page cache for a second pass.
 * With {@code refuseNonFinite}, a NaN or infinity among the values read stops the merge, naming model and tensor.
 */
record MappedValues(String modelName, Tensor tensor, boolean refuseNonFinite) implements ChunkedValues {

    /** Values read as stored, NaN and infinities included. */
    MappedValues(String modelName, Tensor tensor) {
        this(modelName, tensor, false);
    }

    // Often enough to keep resident memory small, rarely enough that the madvise calls cost nothing measurable.
    private static final long RELEASE_BLOCK = 1L << 20;

    @Override
    public long[] shape() {
        return tensor.info().shape();
    }

    @Override
    public int length() {
        return Math.toIntExact(tensor.info().elementCount());
    }

    @Override
    public void read(int from, float[] dst, int count) {
        DType dtype = tensor.info().dtype();
        FloatCodec.decodeInto(tensor.data(), dtype, dst, 0, from, count);
        if (refuseNonFinite) {
            int bad = NonFinite.first(dst, 0, count, NonFinite.limitBits(DType.F32));
            if (bad >= 0) {
                throw NonFinite.input(modelName, tensor.info().name(), (long) from + bad, dst[bad]);
            }
        }
        // Releases the blocks from the one this read started in up to the last block boundary it reached.
        long start = (long) from * dtype.byteSize();
        long first = start / RELEASE_BLOCK * RELEASE_BLOCK;
        long reached = (start + (long) count * dtype.byteSize()) / RELEASE_BLOCK * RELEASE_BLOCK;
        if (reached > first && tensor.data().isMapped()) {
            tensor.data().asSlice(first, reached - first).unload();
        }
    }
}
