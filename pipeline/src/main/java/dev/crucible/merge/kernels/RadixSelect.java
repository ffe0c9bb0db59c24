package dev.crucible.merge.kernels;

import java.util.stream.IntStream;

/**
 * Exact order statistics of non-negative float scores in two streaming passes and no copy of the data:
 * for non-negative IEEE floats the raw bits sort like the values, so a histogram of the high 15 bits
 * finds the bucket holding each wanted rank, and one more pass histogramming the low 16 bits within
 * those buckets pins the exact values. Both passes are branch-light and split across threads with one
 * histogram per task (counts are exact, so the result does not depend on the split). Scores are
 * compared by magnitude: the sign bit is ignored.
 */
final class RadixSelect {

    private static final int HIGH_BUCKETS = 1 << 15;
    private static final int LOW_BUCKETS = 1 << 16;
    private static final int MAX_TASKS = 16;

    private RadixSelect() {
    }

    /**
     * The score of one rank: its value, how many scores are smaller and how many equal it. The equal ones
     * occupy ranks {@code [below, below + equal)}.
     */
    record Boundary(float value, long below, long equal) {
    }

    /** The boundaries at two ascending ranks (each in {@code [0, n)}) among {@code n} scores. */
    static Boundary[] atRanks(RankSelection.Scores s, int n, long rankA, long rankB) {
        long[] ranks = {rankA, rankB};
        long[] high = reduce(tasks(n), t -> highHistogram(s, t));
        int[] bucket = new int[2];
        long[] within = new long[2];
        long[] belowBucket = new long[2];
        for (int r = 0; r < 2; r++) {
            if (ranks[r] < 0 || ranks[r] >= n) {
                throw new IllegalArgumentException("rank " + ranks[r] + " outside [0, " + n + ")");
            }
            long below = 0;
            int b = 0;
            while (below + high[b] <= ranks[r]) {
                below += high[b++];
            }
            bucket[r] = b;
            belowBucket[r] = below;
            within[r] = ranks[r] - below;
        }
        // One pass fills both low histograms: [0, LOW) for bucket[0], [LOW, 2 LOW) for bucket[1].
        long[] low = reduce(tasks(n), t -> lowHistograms(s, t, bucket[0], bucket[1]));
        Boundary[] result = new Boundary[2];
        for (int r = 0; r < 2; r++) {
            int offset = r * LOW_BUCKETS;
            long rest = within[r];
            long below = belowBucket[r];
            int b = 0;
            while (rest >= low[offset + b]) {
                rest -= low[offset + b];
                below += low[offset + b++];
            }
            result[r] = new Boundary(Float.intBitsToFloat((bucket[r] << 16) | b), below, low[offset + b]);
        }
        return result;
    }

    /** A contiguous share of {@code [0, n)} for one task. */
    private record Share(int from, int to) {
    }

    @FunctionalInterface
    private interface Counter {
        long[] count(Share share);
    }

    private static Share[] tasks(int n) {
        int tasks = n < Chunks.PARALLEL_MIN ? 1 : Math.min(MAX_TASKS, Chunks.count(n));
        long per = ((long) n + tasks - 1) / tasks;
        Share[] shares = new Share[tasks];
        for (int t = 0; t < tasks; t++) {
            shares[t] = new Share((int) Math.min(n, t * per), (int) Math.min(n, (t + 1) * per));
        }
        return shares;
    }

    private static long[] reduce(Share[] shares, Counter counter) {
        long[][] partial = new long[shares.length][];
        IntStream range = IntStream.range(0, shares.length);
        (shares.length > 1 ? range.parallel() : range).forEach(t -> partial[t] = counter.count(shares[t]));
        long[] total = partial[0];
        for (int t = 1; t < partial.length; t++) {
            for (int b = 0; b < total.length; b++) {
                total[b] += partial[t][b];
            }
        }
        return total;
    }

    // Scores arrive a chunk at a time in a reused buffer; counts fit an int per share (shares are < 2^31).
    private static long[] highHistogram(RankSelection.Scores s, Share share) {
        int[] h = new int[HIGH_BUCKETS];
        float[] buf = Scratch.buffer(0);
        for (int a = share.from(); a < share.to(); a += Chunks.SIZE) {
            int n = Math.min(Chunks.SIZE, share.to() - a);
            s.fill(a, a + n, buf);
            for (int i = 0; i < n; i++) {
                h[(Float.floatToRawIntBits(buf[i]) & 0x7FFFFFFF) >>> 16]++;
            }
        }
        return widen(h);
    }

    private static long[] lowHistograms(RankSelection.Scores s, Share share, int bucketA, int bucketB) {
        int[] h = new int[2 * LOW_BUCKETS];
        float[] buf = Scratch.buffer(0);
        for (int a = share.from(); a < share.to(); a += Chunks.SIZE) {
            int n = Math.min(Chunks.SIZE, share.to() - a);
            s.fill(a, a + n, buf);
            for (int i = 0; i < n; i++) {
                int bits = Float.floatToRawIntBits(buf[i]) & 0x7FFFFFFF;
                int high = bits >>> 16;
                if (high == bucketA) {
                    h[bits & 0xFFFF]++;
                }
                if (high == bucketB) {
                    h[LOW_BUCKETS + (bits & 0xFFFF)]++;
                }
            }
        }
        return widen(h);
    }

    private static long[] widen(int[] counts) {
        long[] wide = new long[counts.length];
        for (int i = 0; i < counts.length; i++) {
            wide[i] = counts[i];
        }
        return wide;
    }
}
