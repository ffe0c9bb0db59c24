package dev.crucible.merge.sparsify;

import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.MergeRandom;
import dev.crucible.merge.Shapes;
import dev.crucible.merge.kernels.Chunks;
import dev.crucible.merge.kernels.KeepMask;

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
        int[] magnitude = new int[len];
        int[] order = new int[len];
        int[] spare = new int[len];
        int[] count = new int[257];
        // Other threads work on the neighbouring blocks: only the words this block shares with them need atomics.
        int firstWord = start >>> 6;
        int lastWord = (start + block - 1) >>> 6;
        double low = density - epsilon;
        for (int row = 0; row < inner; row++) {
            for (int t = 0; t < len; t++) {
                int e = t * inner + row;
                // |d| is non-negative, so its IEEE bits sort like its value.
                magnitude[t] = Float.floatToRawIntBits(Math.abs(x[e] - b[e]));
                order[t] = t;
            }
            sortByKey(magnitude, order, spare, count, len);
            for (int rank = 0; rank < len; rank++) {
                int t = order[rank];
                double r = len == 1 ? 0.5 : (double) rank / (len - 1);
                double p = low + 2 * epsilon * r;
                int j = start + t * inner + row;
                if (MergeRandom.uniform(streamKey, j) < p) {
                    int word = j >>> 6;
                    if (word == firstWord || word == lastWord) {
                        keep.setAtomic(j);
                    } else {
                        keep.set(j);
                    }
                }
            }
        }
    }

    /**
     * Sorts the positions {@code order[0, len)} by {@code keys[position]} ascending, ties keeping position order:
     * a stable radix sort a byte at a time, several times faster than a comparison sort on rows of thousands.
     * After its four passes the sorted positions are back in {@code order}.
     */
    private static void sortByKey(int[] keys, int[] order, int[] spare, int[] count, int len) {
        int[] src = order;
        int[] dst = spare;
        for (int shift = 0; shift < 32; shift += 8) {
            Arrays.fill(count, 0);
            for (int i = 0; i < len; i++) {
                count[((keys[src[i]] >>> shift) & 0xff) + 1]++;
            }
            for (int d = 0; d < 256; d++) {
                count[d + 1] += count[d];
            }
            for (int i = 0; i < len; i++) {
                int position = src[i];
                dst[count[(keys[position] >>> shift) & 0xff]++] = position;
            }
            int[] swap = src;
            src = dst;
            dst = swap;
        }
    }
}
