package dev.crucible.merge;

/**
 * DARE drop: keeps each element independently with probability {@code density}; element {@code j} is kept
 * when {@link MergeRandom#uniform(long, long) uniform(streamKey, j)} {@code < density}, so the mask is
 * the same however the work is split.
 */
public record RandomSparsifier(double density, long streamKey) implements Sparsifier {

    @Override
    public KeepMask select(TaskVector d) {
        int n = d.length();
        if (density >= 1) {
            return KeepMask.all(n);
        }
        KeepMask keep = new KeepMask(n);
        Chunks.run(n, (c, from, to) -> {
            for (int j = from; j < to; j++) {
                if (MergeRandom.uniform(streamKey, j) < density) {
                    keep.set(j);
                }
            }
        });
        return keep;
    }
}
