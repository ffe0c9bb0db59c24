package dev.crucible.remerge;

/** What happened to a candidate (or to the champion) in the history. */
public enum Decision {
    /** The first champion, built from {@code initial_base} at start-up. */
    INITIAL,
    /** Passed the gates and now serves. */
    PROMOTED,
    /** Scored, but the gates kept the champion. */
    REJECTED,
    /** Never got scored: incomplete checkpoint, merge or evaluation error, or the server refused it. */
    FAILED,
    /** {@code POST /admin/rollback} returned to the previous champion. */
    ROLLED_BACK,
    /** {@code POST /admin/promote} made an operator's model the champion, outside the gates. */
    MANUAL,
    /** The process stopped (SIGTERM) while the candidate was merged or evaluated; it is merged again on the next start. */
    INTERRUPTED
}
