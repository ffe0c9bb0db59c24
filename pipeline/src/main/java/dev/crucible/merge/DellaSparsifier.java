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
    public KeepMask select(TaskVector d) {
        int n = d.length();
        if (density >= 1) {
            return KeepMask.all(n);
        }
        long[] shape = d.shape();
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
        int groups = n / len;
        IntStream range = IntStream.range(0, groups);
        (n >= Chunks.PARALLEL_MIN ? range.parallel() : range).forEach(g -> pruneRow(d, g, len, inner, keep));
        return keep;
    }

    private void pruneRow(TaskVector d, int group, int len, int inner, KeepMask keep) {
        int start = (group / inner) * len * inner + group % inner;
        long[] order = new long[len];
        for (int t = 0; t < len; t++) {
            // |d| is non-negative, so its IEEE bits sort like its value; the low half breaks ties by position.
            order[t] = ((long) Float.floatToRawIntBits(Math.abs(d.at(start + t * inner))) << 32) | t;
        }
        Arrays.sort(order);
        double low = density - epsilon;
        for (int rank = 0; rank < len; rank++) {
            int t = (int) order[rank];
            double r = len == 1 ? 0.5 : (double) rank / (len - 1);
            double p = low + 2 * epsilon * r;
            int j = start + t * inner;
            if (MergeRandom.uniform(streamKey, j) < p) {
                keep.setAtomic(j);
            }
        }
    }
}
