package dev.crucible.remerge;

import dev.crucible.stream.MergeStats;
import java.nio.file.Path;

/** Merges the recipe onto a base into a new model folder; the seam between re-merge and the merge pipeline. */
@FunctionalInterface
public interface CandidateMerger {

    /**
     * Writes the candidate merged onto {@code base} to {@code target} (replacing whatever an interrupted
     * run left there), all or nothing; reports each tensor to {@code progress} as it is written.
     */
    MergeStats merge(Path base, Path target, MergeMeter progress);
}
