package dev.crucible.merge;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * DELLA MagPrune: within each row, elements are ranked by {@code |d|} ascending (ties by position),
 * {@code r = rank / (len - 1)} in [0, 1], and element {@code j} is kept with probability
 * {@code p = (density - epsilon) + 2 epsilon r}, i.e. when {@code uniform(streamKey, j) < p}
 * (see {@link MergeRandom}). Rows follow mergekit: a 0-D or 1-D tensor is one row; otherwise ranking runs
 * along axis 1 for every index of the other axes (for a matrix, within each row). A row of one element
 * keeps it with probability {@code density} (mergekit divides 0 by 0 there).
 */
public record DellaSparsifier(double density, double epsilon, long streamKey) implements Sparsifier {

    @Override
    public KeepMask select(ChunkedValues tuned, ChunkedValues base) {
        int n = base.length();
        if (density >= 1) {
            return KeepMask.all(n);
        }
        long[] shape = base.shape();
        int len;
        int inner;
        if (shape.length < 2) {
            len = n;
            inner = 1;
        } else {
            len = Math.toIntExact(shape[1]);
            inner = Math.toIntExact(Shapes.elementCount(Arrays.copyOfRange(shape, 2, shape.length)));
        }
        KeepMask keep = new KeepMask(n);
        if (len == 0) {
            return keep;
        }
        // A block is one index of axis 0: len x inner contiguous elements, holding inner rows of stride inner.
        int block = len * inner;
        IntStream range = IntStream.range(0, n / block);
        (n >= Chunks.PARALLEL_MIN ? range.parallel() : range).forEach(o -> pruneBlock(tuned, base, o * block, len,
                inner, keep));
        return keep;
    }

    private void pruneBlock(ChunkedValues tuned, ChunkedValues base, int start, int len, int inner, KeepMask keep) {
        int block = len * inner;
        float[] x = new float[block];
        float[] b = new float[block];
        tuned.read(start, x, block);
        base.read(start, b, block);
        long[] order = new long[len];
        double low = density - epsilon;
        for (int row = 0; row < inner; row++) {
            for (int t = 0; t < len; t++) {
                int e = t * inner + row;
                // |d| is non-negative, so its IEEE bits sort like its value; the low half breaks ties by position.
                order[t] = ((long) Float.floatToRawIntBits(Math.abs(x[e] - b[e])) << 32) | t;
            }
            Arrays.sort(order);
            for (int rank = 0; rank < len; rank++) {
                int t = (int) order[rank];
                double r = len == 1 ? 0.5 : (double) rank / (len - 1);
                double p = low + 2 * epsilon * r;
                int j = start + t * inner + row;
                if (MergeRandom.uniform(streamKey, j) < p) {
                    keep.setAtomic(j);
                }
            }
        }
    }
}
