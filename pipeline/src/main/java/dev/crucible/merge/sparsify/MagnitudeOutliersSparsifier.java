package dev.crucible.merge.sparsify;

import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.kernels.KeepMask;
import dev.crucible.merge.kernels.RankSelection;

/**
 * Model breadcrumbs: drops the {@code gamma} fraction of largest {@code |d|} (outliers) and the smallest
 * ones, keeping ranks {@code [n_bot, n - n_top)} where {@code n_top = int(gamma n)},
 * {@code n_bot = n - int(density n) - n_top} (when {@code n_bot < 0}, {@code n_top} shrinks by that much and
 * {@code n_bot = 0}). Both boundaries come from O(n) selection.
 *
 * <p>Difference from mergekit: when {@code n_top == 0} mergekit slices {@code indices[n_bot:-0]}, an
 * empty range, and so zeroes the whole delta. Here {@code n_top == 0} keeps {@code [n_bot, n)}, which is
 * what the method intends (no outliers to drop).
 */
public record MagnitudeOutliersSparsifier(double density, double gamma) implements Sparsifier {

    @Override
    public KeepMask select(TaskVector d) {
        return select(RankSelection.Scores.absDelta(d.tuned(), d.base()), d.length());
    }

    @Override
    public KeepMask select(ChunkedValues tuned, ChunkedValues base) {
        return select(RankSelection.Scores.absDelta(tuned, base), base.length());
    }

    private KeepMask select(RankSelection.Scores absDelta, int n) {
        if (density >= 1) {
            return KeepMask.all(n);
        }
        int keep = (int) (density * n);
        int top = (int) (gamma * n);
        int bottom = n - keep - top;
        if (bottom < 0) {
            top += bottom;
            bottom = 0;
        }
        return RankSelection.keepRanks(absDelta, n, bottom, n - top, RankSelection.TieOrder.ASCENDING_SORT);
    }
}
