package dev.crucible.merge.kernels;

import java.util.Arrays;

/**
 * Order statistics in expected O(n): introselect with median-of-three pivots and a three-way partition
 * (task vectors contain long runs of equal values, zeros above all), falling back to a sort of the
 * remaining range when partitioning stops making progress.
 */
public final class Select {

    private Select() {
    }

    /**
     * Rearranges {@code a[from, to)} so that {@code a[k]} holds the value of rank {@code k} (ascending),
     * everything before it is {@code <=} and everything after it is {@code >=}; returns that value.
     */
    public static float kth(float[] a, int from, int to, int k) {
        if (k < from || k >= to) {
            throw new IllegalArgumentException("rank " + k + " outside [" + from + ", " + to + ")");
        }
        int lo = from;
        int hi = to;
        int budget = 2 * (32 - Integer.numberOfLeadingZeros(Math.max(1, to - from))) + 4;
        while (hi - lo > 16) {
            if (budget-- == 0) {
                Arrays.sort(a, lo, hi);
                return a[k];
            }
            float pivot = medianOfThree(a[lo], a[(lo + hi) >>> 1], a[hi - 1]);
            // Dutch-flag partition: [lo, lt) < pivot, [lt, i) == pivot, (gt, hi) > pivot.
            int lt = lo;
            int i = lo;
            int gt = hi - 1;
            while (i <= gt) {
                float v = a[i];
                if (v < pivot) {
                    a[i++] = a[lt];
                    a[lt++] = v;
                } else if (v > pivot) {
                    a[i] = a[gt];
                    a[gt--] = v;
                } else {
                    i++;
                }
            }
            if (k < lt) {
                hi = lt;
            } else if (k > gt) {
                lo = gt + 1;
            } else {
                return pivot;
            }
        }
        Arrays.sort(a, lo, hi);
        return a[k];
    }

    private static float medianOfThree(float x, float y, float z) {
        return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    }
}
