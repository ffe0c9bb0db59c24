package dev.crucible.merge.sparsify;

import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.MergeRandom;
import dev.crucible.merge.kernels.Chunks;
import dev.crucible.merge.kernels.KeepMask;

/**
 * DARE drop: keeps each element independently with probability {@code density}; element {@code j} is kept
 * when {@link MergeRandom#uniform(long, long) uniform(streamKey, j)} {@code < density}, so the mask is
 * the same however the work is split.
 */
public record RandomSparsifier(double density, long streamKey) implements Sparsifier {

    /** The values play no part in the drop: the mask depends on the positions alone. */
    @Override
    public KeepMask select(ChunkedValues tuned, ChunkedValues base) {
        return select(base.length());
    }

    private KeepMask select(int n) {
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
