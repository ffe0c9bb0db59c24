package dev.crucible.merge;

/**
 * TIES trim: keeps the {@code k = int(density * n)} elements of largest {@code |d|} over the whole tensor,
 * found by O(n) selection rather than a sort. At the threshold, lower indices win ties. With {@code k = 0}
 * nothing is kept (mergekit asserts instead).
 */
public record MagnitudeSparsifier(double density) implements Sparsifier {

    @Override
    public KeepMask select(TaskVector d) {
        int n = d.length();
        if (density >= 1) {
            return KeepMask.all(n);
        }
        int k = (int) (density * n);
        return RankSelection.keepRanks(d, n - k, n, RankSelection.TieOrder.DESCENDING_SORT);
    }
}
