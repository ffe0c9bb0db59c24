package dev.crucible.remerge;

import dev.crucible.error.CrucibleException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Waits until a checkpoint folder is complete and has stopped changing: the same {@link CheckpointProbe}
 * snapshot for {@code stableFor}. Copies into {@code bases_dir} are not atomic; merging a half-copied
 * shard would fail late or, worse, merge garbage.
 */
public final class CompletionWaiter {

    private final Duration stableFor;
    private final Duration poll;
    private final Duration giveUpAfter;

    public CompletionWaiter(Duration stableFor, Duration poll, Duration giveUpAfter) {
        this.stableFor = stableFor;
        this.poll = poll;
        this.giveUpAfter = giveUpAfter;
    }

    /** Blocks until {@code dir} is complete and stable; fails with what is missing after {@code giveUpAfter}. */
    public void await(Path dir) {
        long deadline = System.nanoTime() + giveUpAfter.toNanos();
        CheckpointProbe.Snapshot last = null;
        long stableSince = 0;
        while (true) {
            CheckpointProbe.Result result = CheckpointProbe.probe(dir);
            long now = System.nanoTime();
            if (result instanceof CheckpointProbe.Complete complete) {
                if (!complete.snapshot().equals(last)) {
                    last = complete.snapshot();
                    stableSince = now;
                }
                if (now - stableSince >= stableFor.toNanos()) {
                    return;
                }
            } else {
                last = null;
            }
            if (now - deadline >= 0) {
                String why = result instanceof CheckpointProbe.Incomplete inc ? "still missing " + inc.missing()
                        : "its files kept changing";
                throw new CrucibleException(dir + ": not a complete checkpoint after " + giveUpAfter.toSeconds()
                        + " s (" + why + ")");
            }
            try {
                Thread.sleep(Math.max(1, Math.min(poll.toMillis(), stableFor.toMillis())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CrucibleException("interrupted while waiting for " + dir + " to be complete", e);
            }
        }
    }
}
