package dev.crucible.stream;

/** Told about a merge's progress after each tensor is written (from one thread at a time). */
@FunctionalInterface
public interface ProgressListener {

    /** A listener that ignores progress. */
    ProgressListener NONE = p -> { };

    /** Called once per written tensor. */
    void onTensor(MergeProgress progress);
}
