package dev.crucible.merge.kernels;

import dev.crucible.merge.ChunkedValues;

/**
 * Keeps the elements whose rank by a score ({@code |d|} of a task vector, or any other non-negative
 * score) lies in {@code [from, to)}, ranks counted ascending. O(n) radix selection ({@link RadixSelect})
 * finds the boundary values and how many scores lie below and on them; a marking pass (chunked, parallel
 * for big tensors) then keeps {@code [lo, hi]}, preceded by a counting pass only when a run of equal
 * scores straddles a boundary.
 *
 * <p>Equal scores are ordered as a stable sort orders them: {@link TieOrder#ASCENDING_SORT} gives the
 * lower index the lower rank (mergekit's ascending {@code torch.sort}, used by breadcrumbs);
 * {@link TieOrder#DESCENDING_SORT} gives the lower index the higher rank (a stable descending
 * {@code argsort} whose first {@code k} are kept, the TIES trim).
 */
public final class RankSelection {

    private RankSelection() {
    }

    /** Which of two equal scores ranks first. */
    public enum TieOrder {
        /** Lower index, lower rank. */
        ASCENDING_SORT,
        /** Lower index, higher rank. */
        DESCENDING_SORT
    }

    /** A non-negative score per element, recomputed on demand instead of stored. */
    @FunctionalInterface
    public interface Scores {
        float at(int j);

        /**
         * Writes the scores of {@code [from, to)} (at most {@link Chunks#SIZE}) to {@code dst[0, to - from)};
         * sources that compute a whole range faster than one element at a time override it.
         */
        default void fill(int from, int to, float[] dst) {
            for (int j = from; j < to; j++) {
                dst[j - from] = at(j);
            }
        }

        /** {@code |tuned - base|}, computed a chunk at a time with a loop the JIT vectorises. */
        static Scores absDelta(float[] tuned, float[] base) {
            return new Scores() {
                @Override
                public float at(int j) {
                    return Math.abs(tuned[j] - base[j]);
                }

                @Override
                public void fill(int from, int to, float[] dst) {
                    for (int j = from; j < to; j++) {
                        dst[j - from] = Math.abs(tuned[j] - base[j]);
                    }
                }
            };
        }

        /** {@code |tuned - base|} of values read a chunk at a time (scratch slots 1 and 2). */
        static Scores absDelta(ChunkedValues tuned, ChunkedValues base) {
            return new Scores() {
                @Override
                public float at(int j) {
                    float[] t = new float[1];
                    float[] b = new float[1];
                    tuned.read(j, t, 1);
                    base.read(j, b, 1);
                    return Math.abs(t[0] - b[0]);
                }

                @Override
                public void fill(int from, int to, float[] dst) {
                    float[] t = Scratch.buffer(1);
                    float[] b = Scratch.buffer(2);
                    int n = to - from;
                    tuned.read(from, t, n);
                    base.read(from, b, n);
                    for (int i = 0; i < n; i++) {
                        dst[i] = Math.abs(t[i] - b[i]);
                    }
                }
            };
        }
    }

    public static KeepMask keepRanks(Scores d, int n, int from, int to, TieOrder ties) {
        KeepMask keep = new KeepMask(n);
        if (from >= to) {
            return keep;
        }
        if (from == 0 && to == n) {
            return KeepMask.all(n);
        }
        RadixSelect.Boundary[] bounds = RadixSelect.atRanks(d, n, from, to - 1L);
        // Scores compare by their magnitude bits, as RadixSelect ranks them: a NaN score (a NaN in an input)
        // ranks above +inf, as torch's sort puts it, where float comparisons would never keep it.
        int lo = bits(bounds[0].value());
        int hi = bits(bounds[1].value());
        long totalBelowLo = bounds[0].below();
        long totalEqualLo = bounds[0].equal();
        long totalBelowHi = bounds[1].below();
        long totalEqualHi = bounds[1].equal();
        if (totalBelowLo == from && totalBelowHi + totalEqualHi <= to) {
            // No run of equal scores straddles a boundary: the kept set is simply [lo, hi].
            Chunks.run(n, (c, a, b) -> {
                float[] buf = Scratch.buffer(0);
                d.fill(a, b, buf);
                // Bits gather into one word per 64 elements (chunks start on word boundaries): no branch
                // on the data and one store per word.
                for (int w = a; w < b; w += 64) {
                    int end = Math.min(b, w + 64);
                    long word = 0;
                    for (int j = w; j < end; j++) {
                        int v = bits(buf[j - a]);
                        word |= (v >= lo & v <= hi ? 1L : 0L) << j;
                    }
                    keep.orWord(w >>> 6, word);
                }
            });
            return keep;
        }
        // Per chunk: how many elements equal each boundary. Prefix sums over chunks then give every chunk
        // the position of its first boundary-equal element within the run, so chunks mark in parallel.
        int chunks = Chunks.count(n);
        long[] equalLo = new long[chunks];
        long[] equalHi = new long[chunks];
        Chunks.run(n, (c, a, b) -> {
            float[] buf = Scratch.buffer(0);
            d.fill(a, b, buf);
            long el = 0;
            long eh = 0;
            for (int j = a; j < b; j++) {
                int v = bits(buf[j - a]);
                if (v == lo) {
                    el++;
                }
                if (v == hi) {
                    eh++;
                }
            }
            equalLo[c] = el;
            equalHi[c] = eh;
        });
        long[] firstLo = exclusivePrefix(equalLo);
        long[] firstHi = exclusivePrefix(equalHi);
        boolean descending = ties == TieOrder.DESCENDING_SORT;
        Chunks.run(n, (c, a, b) -> {
            long seenLo = firstLo[c];
            long seenHi = firstHi[c];
            float[] buf = Scratch.buffer(0);
            d.fill(a, b, buf);
            for (int w = a; w < b; w += 64) {
                int end = Math.min(b, w + 64);
                long word = 0;
                for (int j = w; j < end; j++) {
                    int v = bits(buf[j - a]);
                    boolean kept = v > lo & v < hi;
                    // Scores equal to a boundary are rare next to the rest; only they need their rank.
                    if (v == lo | v == hi) {
                        if (v == lo) {
                            long within = descending ? totalEqualLo - 1 - seenLo++ : seenLo++;
                            long rank = totalBelowLo + within;
                            kept = rank >= from && rank < to;
                        } else {
                            long within = descending ? totalEqualHi - 1 - seenHi++ : seenHi++;
                            kept = totalBelowHi + within < to;
                        }
                    }
                    word |= (kept ? 1L : 0L) << j;
                }
                keep.orWord(w >>> 6, word);
            }
        });
        return keep;
    }

    private static int bits(float score) {
        return Float.floatToRawIntBits(score) & 0x7FFFFFFF;
    }

    private static long[] exclusivePrefix(long[] values) {
        long[] prefix = new long[values.length];
        long running = 0;
        for (int i = 0; i < values.length; i++) {
            prefix[i] = running;
            running += values[i];
        }
        return prefix;
    }
}
