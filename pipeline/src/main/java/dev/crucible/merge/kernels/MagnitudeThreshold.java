package dev.crucible.merge.kernels;

import dev.crucible.merge.ChunkedValues;

import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The TIES trim of one task vector as a rule on each element's own score, so a merge can decide inline
 * instead of reading a {@link KeepMask}: element {@code j}, of score bits {@code s_j = bits(|tuned_j - base_j|)},
 * is kept when {@code s_j > bits}, or {@code s_j == bits} and {@code j <= lastTieIndex}. That is exactly the set
 * {@link dev.crucible.merge.sparsify.MagnitudeSparsifier#select} keeps (the {@code k = int(density n)} largest scores, lower index first on
 * ties), found with one pass over the inputs: a fixed sample brackets the threshold in a {@link ScoreBand}, the
 * pass counts the scores above it and gathers those in it, and the threshold is selected among the few gathered.
 */
public record MagnitudeThreshold(int bits, int lastTieIndex) {

    /** Keeps every element. */
    public static final MagnitudeThreshold ALL = new MagnitudeThreshold(0, Integer.MAX_VALUE);
    /** Keeps no element. */
    public static final MagnitudeThreshold NONE = new MagnitudeThreshold(Integer.MAX_VALUE, -1);
    /** The smallest cap on gathered band scores, a chunk's worth (256 KiB): small tensors never run short of room. */
    public static final int MIN_CAP = 1 << 16;

    private static final int INFINITY_BITS = 0x7F800000;
    private static final ThreadLocal<int[]> SCORES = ThreadLocal.withInitial(() -> new int[Chunks.SIZE]);
    private static final ThreadLocal<int[]> BAND = ThreadLocal.withInitial(() -> new int[Chunks.SIZE]);

    /** Whether the element at {@code index} with score bits {@code scoreBits} is kept. */
    public boolean keeps(int scoreBits, int index) {
        return scoreBits > bits || (scoreBits == bits && index <= lastTieIndex);
    }

    /**
     * How many of the elements {@code [from, from + len)} lie at or before the last kept tie: those keep a
     * score equal to {@link #bits}, the rest only a greater one.
     */
    public int tieSplit(int from, int len) {
        return (int) Math.max(0, Math.min(len, (long) lastTieIndex - from + 1));
    }

    /** Most band scores gathered for a tensor of {@code n} elements: a sixteenth of it, at least {@link #MIN_CAP}. */
    public static int cap(int n) {
        return Math.max(MIN_CAP, n >>> 4);
    }

    /**
     * The trim of {@code tuned - base} to {@code density}, or empty when it cannot be found in one pass (a score
     * is NaN, the band missed the threshold, or more than {@link #cap} scores fell in it): the caller then selects
     * exactly with {@link dev.crucible.merge.sparsify.MagnitudeSparsifier#select}.
     */
    public static Optional<MagnitudeThreshold> find(ChunkedValues tuned, ChunkedValues base, double density) {
        return find(tuned, base, density, cap(base.length()));
    }

    /** {@link #find(ChunkedValues, ChunkedValues, double)} gathering at most {@code cap} band scores. */
    public static Optional<MagnitudeThreshold> find(ChunkedValues tuned, ChunkedValues base, double density, int cap) {
        int n = base.length();
        if (density >= 1) {
            return Optional.of(ALL);
        }
        int k = (int) (density * n);
        if (k <= 0) {
            return Optional.of(NONE);
        }
        if (k >= n) {
            return Optional.of(ALL);
        }
        ScoreBand band = ScoreBand.around(tuned, base, n - k);
        Optional<Scan> found = scan(tuned, base, band, cap);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Scan scan = found.get();
        long above = scan.above();
        long inBand = scan.gathered().length + scan.heavy();
        if (k < above || k > above + inBand) {
            return Optional.empty();
        }
        return Optional.of(resolve(tuned, base, band, scan, k - above));
    }

    /**
     * The pass over the inputs, per chunk: scores above the band, scores equal to its heavy value (counted only)
     * and the other scores in the band (gathered, in index order). Chunks gather only while the running total stays
     * within the cap, so the memory is bounded; whether it overflowed depends only on the exact total. Empty
     * when it did, or when a score is NaN.
     */
    private static Optional<Scan> scan(ChunkedValues tuned, ChunkedValues base, ScoreBand band, int cap) {
        int n = base.length();
        int chunks = Chunks.count(n);
        long[] above = new long[chunks];
        long[] heavy = new long[chunks];
        int[][] gathered = new int[chunks][];
        boolean[] nan = new boolean[chunks];
        AtomicLong total = new AtomicLong();
        int lo = band.lo();
        int hi = band.hi();
        int h = band.heavy();
        Chunks.run(n, (c, from, to) -> {
            int len = to - from;
            float[] x = Scratch.buffer(1);
            float[] b = Scratch.buffer(2);
            tuned.read(from, x, len);
            base.read(from, b, len);
            int[] scores = SCORES.get();
            int[] bandScores = BAND.get();
            int i0 = 0;
            long[] counts = new long[5];
            if (TiesKernels.vectors()) {
                i0 = TiesVectors.scoreAndCount(x, b, len, scores, lo, hi, h, counts, bandScores);
            }
            for (int i = i0; i < len; i++) {
                scores[i] = ScoreBand.score(x[i], b[i]);
            }
            // Sign-bit arithmetic (scores and bounds are non-negative ints, so differences cannot overflow)
            // keeps these loops free of branches; the NaN test gets its own loop because a fourth reduction in
            // the first stops the JIT vectorising it.
            int up = (int) counts[0];
            int equal = (int) counts[1];
            int inBand = (int) counts[2];
            for (int i = i0; i < len; i++) {
                int v = scores[i];
                up += (hi - v) >>> 31;
                equal += ((v ^ h) - 1) >>> 31;
                inBand += ~((v - lo) | (hi - v)) >>> 31;
            }
            int beyondInfinity = counts[3] != 0 ? -1 : 0;
            for (int i = i0; i < len; i++) {
                beyondInfinity |= INFINITY_BITS - scores[i];
            }
            // The band's scores other than the heavy value, in index order, into this thread's chunk buffer.
            int next = (int) counts[4];
            int width = hi - lo;
            for (int i = i0; i < len; i++) {
                int v = scores[i];
                // One unsigned compare tests lo <= v <= hi; & rather than && leaves a single branch.
                if (Integer.compareUnsigned(v - lo, width) <= 0 & v != h) {
                    bandScores[next++] = v;
                }
            }
            above[c] = up;
            heavy[c] = equal;
            nan[c] = beyondInfinity < 0;
            // Kept only while the running total stays within the cap, so memory stays bounded.
            if (next > 0 && total.addAndGet(next) <= cap) {
                gathered[c] = Arrays.copyOf(bandScores, next);
            }
        });
        long gatheredCount = total.get();
        boolean anyNan = false;
        long aboveSum = 0;
        long heavySum = 0;
        for (int c = 0; c < chunks; c++) {
            anyNan |= nan[c];
            aboveSum += above[c];
            heavySum += heavy[c];
        }
        if (anyNan || gatheredCount > cap) {
            return Optional.empty();
        }
        int[] all = new int[(int) gatheredCount];
        int[] offsets = new int[chunks + 1];
        for (int c = 0; c < chunks; c++) {
            int length = gathered[c] == null ? 0 : gathered[c].length;
            if (length > 0) {
                System.arraycopy(gathered[c], 0, all, offsets[c], length);
            }
            offsets[c + 1] = offsets[c] + length;
        }
        return Optional.of(new Scan(aboveSum, heavy, heavySum, all, offsets));
    }

    /**
     * The pass's findings: how many scores lie above the band, per chunk how many equal its heavy value, and the
     * other band scores of all chunks in index order ({@code offsets[c]} is where chunk {@code c}'s begin).
     */
    private record Scan(long above, long[] heavyPerChunk, long heavy, int[] gathered, int[] offsets) {
    }

    /**
     * Picks the {@code wanted}-th largest band score (1-based) as the threshold, then the index of the last tie
     * the trim keeps: ties fill in index order, so it is the {@code need}-th score equal to the threshold.
     */
    private static MagnitudeThreshold resolve(ChunkedValues tuned, ChunkedValues base, ScoreBand band, Scan scan,
                                              long wanted) {
        if (wanted == 0) {
            return new MagnitudeThreshold(band.hi(), -1);
        }
        int[] all = scan.gathered();
        int h = band.heavy();
        long heavy = scan.heavy();
        long belowHeavy = 0;
        for (int s : all) {
            belowHeavy += s < h ? 1 : 0;
        }
        // Ascending rank within the band, whose scores sort as: gathered below h, the heavy ones, gathered above h.
        long rank = all.length + heavy - wanted;
        int threshold;
        if (rank < belowHeavy) {
            threshold = bitsAtRank(all, rank);
        } else if (rank < belowHeavy + heavy) {
            threshold = h;
        } else {
            threshold = bitsAtRank(all, rank - heavy);
        }
        long greater = h > threshold ? heavy : 0;
        for (int s : all) {
            greater += s > threshold ? 1 : 0;
        }
        long need = wanted - greater;
        int[] offsets = scan.offsets();
        for (int c = 0; c < offsets.length - 1; c++) {
            long ties = 0;
            if (threshold == h) {
                ties = scan.heavyPerChunk()[c];
            } else {
                for (int i = offsets[c]; i < offsets[c + 1]; i++) {
                    ties += all[i] == threshold ? 1 : 0;
                }
            }
            if (need <= ties) {
                return new MagnitudeThreshold(threshold, nthEqual(tuned, base, c, threshold, need));
            }
            need -= ties;
        }
        throw new IllegalStateException("trim threshold " + threshold + " has fewer ties than counted");
    }

    /** Ascending rank {@code rank} of the gathered scores, by radix selection (no copy, no reordering). */
    private static int bitsAtRank(int[] all, long rank) {
        RankSelection.Scores scores = new RankSelection.Scores() {
            @Override
            public float at(int j) {
                return Float.intBitsToFloat(all[j]);
            }

            @Override
            public void fill(int from, int to, float[] dst) {
                for (int j = from; j < to; j++) {
                    dst[j - from] = Float.intBitsToFloat(all[j]);
                }
            }
        };
        return Float.floatToRawIntBits(RadixSelect.atRanks(scores, all.length, rank, rank)[0].value());
    }

    /** The index of the {@code nth} (1-based) score of chunk {@code chunk} equal to {@code bits}. */
    private static int nthEqual(ChunkedValues tuned, ChunkedValues base, int chunk, int bits, long nth) {
        int from = chunk * Chunks.SIZE;
        int len = Math.min(base.length(), from + Chunks.SIZE) - from;
        float[] x = Scratch.buffer(1);
        float[] b = Scratch.buffer(2);
        tuned.read(from, x, len);
        base.read(from, b, len);
        long seen = 0;
        for (int i = 0; i < len; i++) {
            if (ScoreBand.score(x[i], b[i]) == bits && ++seen == nth) {
                return from + i;
            }
        }
        throw new IllegalStateException("chunk " + chunk + " has fewer than " + nth + " scores equal to " + bits);
    }
}
