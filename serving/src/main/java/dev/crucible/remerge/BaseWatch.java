package dev.crucible.remerge;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Watches one announced base until it is a complete checkpoint whose files have stopped changing (the
 * same {@link CheckpointProbe} snapshot for {@code stableFor}). It never blocks: the service looks at
 * every waiting base on each pass of its watcher, so a folder that never completes delays nothing but
 * itself. Copies into {@code bases_dir} are not atomic; merging a half-copied shard would fail late or,
 * worse, merge garbage.
 */
final class BaseWatch {

    /** What one look found. */
    sealed interface Verdict {}

    /** Complete and unchanged for long enough: merge it. */
    record Ready() implements Verdict {}

    /** Not yet; {@code why} says what is missing or how long it has been stable. */
    record Waiting(String why) implements Verdict {}

    /** The folder is gone: forget the base. */
    record Gone() implements Verdict {}

    /** Waited {@code giveUpAfter} without it ever being ready. */
    record GaveUp(String why) implements Verdict {}

    private final Path dir;
    private final Duration stableFor;
    private final Duration giveUpAfter;
    private final long startedNanos;
    private final Instant since;
    private CheckpointProbe.Snapshot last;
    private long stableSinceNanos;
    private volatile String status = "not looked at yet";

    BaseWatch(Path dir, Duration stableFor, Duration giveUpAfter, long nowNanos, Instant since) {
        this.dir = dir;
        this.stableFor = stableFor;
        this.giveUpAfter = giveUpAfter;
        this.startedNanos = nowNanos;
        this.since = since;
    }

    Path dir() {
        return dir;
    }

    /** When the base started waiting. */
    Instant since() {
        return since;
    }

    /** What the last look found, for {@code GET /admin/bases}. */
    String status() {
        return status;
    }

    /** Looks at the folder once, at {@code nowNanos} ({@link System#nanoTime()}). */
    synchronized Verdict check(long nowNanos) {
        if (!Files.isDirectory(dir)) {
            status = "removed";
            return new Gone();
        }
        String why;
        CheckpointProbe.Result result = CheckpointProbe.probe(dir);
        if (result instanceof CheckpointProbe.Complete complete) {
            if (!complete.snapshot().equals(last)) {
                last = complete.snapshot();
                stableSinceNanos = nowNanos;
            }
            long stable = nowNanos - stableSinceNanos;
            if (stable >= stableFor.toNanos()) {
                status = "complete";
                return new Ready();
            }
            why = String.format(Locale.ROOT, "complete, files unchanged for %.1f s of the %.1f s required",
                    stable / 1e9, stableFor.toNanos() / 1e9);
        } else {
            last = null;
            why = "still missing " + ((CheckpointProbe.Incomplete) result).missing();
        }
        status = why;
        if (nowNanos - startedNanos >= giveUpAfter.toNanos()) {
            return new GaveUp(dir + ": not a complete checkpoint after " + giveUpAfter.toSeconds() + " s (" + why + ")");
        }
        return new Waiting(why);
    }
}
