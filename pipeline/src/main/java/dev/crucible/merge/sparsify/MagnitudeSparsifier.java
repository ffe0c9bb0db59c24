package dev.crucible.merge.sparsify;

import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.kernels.KeepMask;
import dev.crucible.merge.kernels.RankSelection;

/**
 * TIES trim: keeps the {@code k = int(density * n)} elements of largest {@code |d|} over the whole tensor,
 * found by O(n) selection rather than a sort. At the threshold, lower indices win ties. With {@code k = 0}
 * nothing is kept (mergekit asserts instead).
 */
public record MagnitudeSparsifier(double density) implements Sparsifier {

    @Override
    public KeepMask select(TaskVector d) {
        return select(RankSelection.Scores.absDelta(d.tuned(), d.base()), d.length(), density);
    }

    @Override
    public KeepMask select(ChunkedValues tuned, ChunkedValues base) {
        return select(RankSelection.Scores.absDelta(tuned, base), base.length(), density);
    }

    /** The trim over scores {@code |d|} of {@code n} elements. */
    public static KeepMask select(RankSelection.Scores absDelta, int n, double density) {
        if (density >= 1) {
            return KeepMask.all(n);
        }
        int k = (int) (density * n);
        return RankSelection.keepRanks(absDelta, n, n - k, n, RankSelection.TieOrder.DESCENDING_SORT);
    }
}
