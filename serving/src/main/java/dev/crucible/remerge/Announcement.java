package dev.crucible.remerge;

/** The answer to announcing a new base, over HTTP or by the folder watcher. */
public sealed interface Announcement {

    /** Queued for re-merge. */
    record Accepted(String base, int queued) implements Announcement {}

    /** Already queued, decided or serving; nothing was done. */
    record AlreadyKnown(String base) implements Announcement {}

    /** Too many bases wait already; try again once some are done. */
    record QueueFull(String base, int capacity) implements Announcement {}

    /** The first champion is still being built; announce again once {@code /ready} answers. */
    record Starting(String base) implements Announcement {}

    /** Not something that can be merged onto (no such folder). */
    record Invalid(String reason) implements Announcement {}
}
