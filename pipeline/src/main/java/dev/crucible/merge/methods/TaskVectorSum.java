package dev.crucible.merge.methods;

import dev.crucible.merge.ChunkWriter;
import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.kernels.Chunks;
import dev.crucible.merge.kernels.KeepMask;
import dev.crucible.merge.kernels.MagnitudeThreshold;
import dev.crucible.merge.kernels.Scratch;
import dev.crucible.merge.kernels.TiesKernels;
import dev.crucible.merge.kernels.TiesVectors;

import java.util.Arrays;
import java.util.List;

/**
 * The element loop of the task-arithmetic family: each model's trimmed, rescaled, weighted delta against the base,
 * mixed by TIES sign consensus or a plain sum, optionally normalised, times lambda, added back to the base. All
 * arithmetic is float32 in the order mergekit uses; the vector kernels ({@link TiesVectors}) do the bulk of a chunk
 * and produce the same bits as these loops.
 */
final class TaskVectorSum {

    private TaskVectorSum() {
    }

    /**
     * {@code b + lambda * mix(d_i)}, element by element a chunk at a time, where each model's delta is trimmed,
     * rescaled and weighted as its contribution says, and mixed by sign consensus ({@code electSigns}) or plain sum,
     * divided by the (agreeing) weights when {@code normalize}. With no contributions the base is copied.
     */
    static void combine(ChunkedValues base, List<TaskVectorContribution> contributions, boolean electSigns,
                        boolean normalize, float lambda, ChunkWriter out) {
        int n = base.length();
        if (contributions.isEmpty()) {
            Chunks.run(n, (c, from, to) -> {
                float[] o = Scratch.buffer(0);
                base.read(from, o, to - from);
                out.write(from, o, to - from);
            });
            return;
        }
        int k = contributions.size();
        KeepMask[] mask = new KeepMask[k];
        MagnitudeThreshold[] threshold = new MagnitudeThreshold[k];
        float[] w = new float[k];
        float[] scale = new float[k];
        float weightSum = 0f;
        for (int i = 0; i < k; i++) {
            TaskVectorContribution ci = contributions.get(i);
            mask[i] = ci.mask();
            threshold[i] = ci.threshold();
            w[i] = ci.weight();
            scale[i] = ci.scale();
            weightSum += w[i];
        }
        float plainDivisor = Math.abs(weightSum) < 1e-8 ? 1f : weightSum;
        Chunks.run(n, (c, from, to) -> {
            int len = to - from;
            float[] b = Scratch.buffer(1);
            base.read(from, b, len);
            // Each model's buffer becomes its weighted, trimmed delta, so the loops below see plain arrays.
            float[][] wd = new float[k][];
            for (int i = 0; i < k; i++) {
                float[] d = Scratch.buffer(2 + i);
                contributions.get(i).x().read(from, d, len);
                if (threshold[i] != null) {
                    trimmedDelta(d, b, len, threshold[i], from, w[i]);
                } else {
                    weightedDelta(d, b, len, mask[i], from, scale[i], w[i]);
                }
                wd[i] = d;
            }
            float[] o = Scratch.buffer(0);
            if (electSigns && k == 1) {
                consensusOfOne(wd[0], b, o, len, w[0], normalize, lambda);
            } else if (electSigns) {
                int t0 = TiesKernels.vectors() ? TiesVectors.consensus(wd, k, w, b, o, len, normalize, lambda) : 0;
                for (int t = t0; t < len; t++) {
                    float sum = 0f;
                    for (int i = 0; i < k; i++) {
                        sum += wd[i][t];
                    }
                    boolean positive = sum >= 0f;
                    float mixed = 0f;
                    float divisor = 0f;
                    for (int i = 0; i < k; i++) {
                        float v = wd[i][t];
                        if (positive ? v > 0f : v < 0f) {
                            mixed += v;
                            divisor += w[i];
                        }
                    }
                    if (divisor == 0f) {
                        divisor = 1f;
                    }
                    if (normalize) {
                        mixed /= divisor;
                    }
                    o[t] = b[t] + mixed * lambda;
                }
            } else {
                // Model by model over the chunk (the same additions per element as a sum over models), so that
                // the JIT vectorises both loops.
                float[] sum = Scratch.buffer(2 + k);
                Arrays.fill(sum, 0, len, 0f);
                for (int i = 0; i < k; i++) {
                    float[] d = wd[i];
                    for (int t = 0; t < len; t++) {
                        sum[t] += d[t];
                    }
                }
                for (int t = 0; t < len; t++) {
                    o[t] = b[t] + (normalize ? sum[t] / plainDivisor : sum[t]) * lambda;
                }
            }
            out.write(from, o, len);
        });
    }

    /** {@code d[t] = (kept ? (d[t] - b[t]) * scale : 0) * w}, element {@code t} being tensor element {@code from + t}. */
    private static void weightedDelta(float[] d, float[] b, int len, KeepMask mask, int from, float scale, float w) {
        if (mask == null) {
            for (int t = 0; t < len; t++) {
                d[t] = ((d[t] - b[t]) * scale) * w;
            }
            return;
        }
        // from is a multiple of 64 (chunks start on mask words), so t's bit is bit t & 63 of word t >>> 6.
        for (int t0 = 0; t0 < len; t0 += 64) {
            long bits = mask.word((from + t0) >>> 6);
            int end = Math.min(len, t0 + 64);
            for (int t = t0; t < end; t++) {
                d[t] = ((bits >>> t & 1L) != 0 ? (d[t] - b[t]) * scale : 0f) * w;
            }
        }
    }

    /**
     * {@code d[t] = (kept ? d[t] - b[t] : 0) * w}, the keep decision taken from the delta's own magnitude (the
     * same arithmetic as {@link #weightedDelta} with scale 1, so the result is bit-identical to the masked one).
     */
    private static void trimmedDelta(float[] d, float[] b, int len, MagnitudeThreshold keep, int from, float w) {
        // Scores and threshold are non-negative ints, so (threshold - score) >> 31 is all ones exactly when the
        // score is greater: a keep mask with no branch on the data. Up to the last kept tie a score equal to the
        // threshold is kept too, which comparing with threshold - 1 gives.
        int split = keep.tieSplit(from, len);
        trimmed(d, b, 0, split, keep.bits() - 1, w);
        trimmed(d, b, split, len, keep.bits(), w);
    }

    /** {@code d[t] = (|d[t] - b[t]| > bound ? d[t] - b[t] : +0) * w} over {@code [from, to)}. */
    private static void trimmed(float[] d, float[] b, int from, int to, int bound, float w) {
        int t = TiesKernels.vectors() ? TiesVectors.trimmedDelta(d, b, from, to, bound, w) : from;
        for (; t < to; t++) {
            int delta = Float.floatToRawIntBits(d[t] - b[t]);
            d[t] = Float.intBitsToFloat(delta & ((bound - (delta & 0x7FFFFFFF)) >> 31)) * w;
        }
    }

    /**
     * Sign consensus with one model, the common TIES case: the general loop reduces to keeping a weighted
     * delta that is non-zero (zero, or NaN, sums to a sign it does not share), divided by its weight.
     */
    private static void consensusOfOne(float[] wd, float[] b, float[] o, int len, float w, boolean normalize,
                                       float lambda) {
        // A delta agrees unless its magnitude bits are 0 or above +inf (NaN), an all-ones int mask with no branch
        // (the vector kernel does the bulk, this loop the tail). A disagreeing one masks to +0, as 0f / 1f gives;
        // dividing an agreeing one by 1 when not normalising is exact.
        float divisor = normalize ? w : 1f;
        int t0 = TiesKernels.vectors() ? TiesVectors.consensusOfOne(wd, b, o, len, divisor, lambda) : 0;
        for (int t = t0; t < len; t++) {
            float v = wd[t];
            int magnitude = Float.floatToRawIntBits(v) & 0x7FFFFFFF;
            int agrees = ~(((magnitude - 1) | (0x7F800000 - magnitude)) >> 31);
            float mixed = Float.intBitsToFloat(Float.floatToRawIntBits(v / divisor) & agrees);
            o[t] = b[t] + mixed * lambda;
        }
    }

}
