package dev.crucible.merge.kernels;

import dev.crucible.merge.ChunkedValues;

import java.util.Arrays;

/**
 * A range {@code [lo, hi]} of score bits that very probably holds the trim threshold of a task vector,
 * estimated from the scores of short runs at evenly spread positions, and {@code heavy}, the score sampled most
 * often inside it (the value most likely tied on many times there, e.g. the zero delta of unchanged weights),
 * which a scan counts rather than gathers.
 * Scores are {@code floatToRawIntBits(|tuned - base|)}, which order like the magnitudes. A band that misses
 * only costs a fall back to exact selection, so the sample needs no randomness: its positions are fixed.
 */
record ScoreBand(int lo, int hi, int heavy) {

    /** Sampled scores; enough that the band is a few percent of a large tensor. */
    static final int SAMPLE = 1 << 15;
    /**
     * Contiguous scores per sampled position: one read per run instead of per score (a read of one bf16 value
     * costs as much as a few dozen), still 2048 runs spread over the tensor.
     */
    static final int RUN = 16;
    /**
     * Half-width of the band in sample ranks, in standard deviations of a sampled quantile
     * ({@code sqrt(s q (1 - q))}): 6 sigma misses about once in 10^9 tensors of unstructured data.
     */
    static final double MARGIN_SIGMAS = 6;
    /** Extra sample ranks on each side, for quantiles near 0 or 1 where the deviation is tiny. */
    static final int MARGIN_SLACK = 32;

    /**
     * Where run {@code i} starts in a tensor of {@code n > SAMPLE} elements: centred in the {@code i}-th of
     * {@code SAMPLE / RUN} equal slices (each longer than a run, so runs never overlap or leave the tensor).
     */
    static int runStart(int i, int n) {
        return (int) ((2L * i + 1) * n / (2L * (SAMPLE / RUN))) - RUN / 2;
    }

    /** The value of the longest run of equal values in {@code sorted[from, to)} (the first of equally long ones). */
    static int mostFrequent(int[] sorted, int from, int to) {
        int best = sorted[from];
        int bestLength = 0;
        for (int i = from; i < to; ) {
            int j = i;
            while (j < to && sorted[j] == sorted[i]) {
                j++;
            }
            if (j - i > bestLength) {
                best = sorted[i];
                bestLength = j - i;
            }
            i = j;
        }
        return best;
    }

    /** The raw bits of {@code |tuned - base|}, the score the trim ranks by. */
    static int score(float tuned, float base) {
        return Float.floatToRawIntBits(tuned - base) & 0x7FFFFFFF;
    }

    /**
     * The band around ascending rank {@code rank} (the lowest kept score) of the {@code n} scores of
     * {@code tuned - base}; with {@code n <= SAMPLE} every score is sampled.
     */
    static ScoreBand around(ChunkedValues tuned, ChunkedValues base, long rank) {
        int n = base.length();
        int s = Math.min(n, SAMPLE);
        int[] sample = new int[s];
        int run = n <= SAMPLE ? n : RUN;
        float[] x = new float[run];
        float[] y = new float[run];
        for (int i = 0; i < s / run; i++) {
            int from = n <= SAMPLE ? 0 : runStart(i, n);
            tuned.read(from, x, run);
            base.read(from, y, run);
            for (int t = 0; t < run; t++) {
                sample[i * run + t] = score(x[t], y[t]);
            }
        }
        Arrays.sort(sample);
        double q = (double) rank / n;
        int r = (int) Math.min(s - 1, (long) (q * s));
        int margin = (int) Math.ceil(MARGIN_SIGMAS * Math.sqrt(s * q * (1 - q))) + MARGIN_SLACK;
        int lo = r - margin < 0 ? 0 : sample[r - margin];
        int hi = r + margin >= s ? Integer.MAX_VALUE : sample[r + margin];
        return new ScoreBand(lo, hi, mostFrequent(sample, Math.max(0, r - margin), Math.min(s, r + margin + 1)));
    }
}
