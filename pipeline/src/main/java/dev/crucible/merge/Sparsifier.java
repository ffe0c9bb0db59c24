package dev.crucible.merge;

/** Chooses which elements of a task vector survive (TIES trim, DARE drop, breadcrumbs, DELLA). */
public interface Sparsifier {

    /** The kept elements of {@code d}; everything else is zeroed by the caller. */
    KeepMask select(TaskVector d);
}
