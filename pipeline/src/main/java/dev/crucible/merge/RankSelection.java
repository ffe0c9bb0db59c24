package dev.crucible.merge;

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
final class RankSelection {

    private RankSelection() {
    }

    /** Which of two equal scores ranks first. */
    enum TieOrder {
        /** Lower index, lower rank. */
        ASCENDING_SORT,
        /** Lower index, higher rank. */
        DESCENDING_SORT
    }

    /** A non-negative score per element, recomputed on demand instead of stored. */
    @FunctionalInterface
    interface Scores {
        float at(int j);
    }

    static KeepMask keepRanks(TaskVector d, int from, int to, TieOrder ties) {
        return keepRanks(j -> Math.abs(d.at(j)), d.length(), from, to, ties);
    }

    static KeepMask keepRanks(Scores d, int n, int from, int to, TieOrder ties) {
        KeepMask keep = new KeepMask(n);
        if (from >= to) {
            return keep;
        }
        if (from == 0 && to == n) {
            return KeepMask.all(n);
        }
        RadixSelect.Boundary[] bounds = RadixSelect.atRanks(d, n, from, to - 1L);
        float lo = bounds[0].value();
        float hi = bounds[1].value();
        long totalBelowLo = bounds[0].below();
        long totalEqualLo = bounds[0].equal();
        long totalBelowHi = bounds[1].below();
        long totalEqualHi = bounds[1].equal();
        if (totalBelowLo == from && totalBelowHi + totalEqualHi <= to) {
            // No run of equal scores straddles a boundary: the kept set is simply [lo, hi].
            Chunks.run(n, (c, a, b) -> {
                for (int j = a; j < b; j++) {
                    float v = d.at(j);
                    if (v >= lo && v <= hi) {
                        keep.set(j);
                    }
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
            long el = 0;
            long eh = 0;
            for (int j = a; j < b; j++) {
                float v = d.at(j);
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
            for (int j = a; j < b; j++) {
                float v = d.at(j);
                if (v > lo && v < hi) {
                    keep.set(j);
                } else if (v == lo) {
                    long within = descending ? totalEqualLo - 1 - seenLo++ : seenLo++;
                    long rank = totalBelowLo + within;
                    if (rank >= from && rank < to) {
                        keep.set(j);
                    }
                } else if (v == hi) {
                    long within = descending ? totalEqualHi - 1 - seenHi++ : seenHi++;
                    if (totalBelowHi + within < to) {
                        keep.set(j);
                    }
                }
            }
        });
        return keep;
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
