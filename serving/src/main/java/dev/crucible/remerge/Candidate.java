package dev.crucible.remerge;

import dev.crucible.stream.MergeStats;
import dev.crucible.task.TaskScore;
import java.nio.file.Path;
import java.util.Map;

/**
 * A candidate on its way through the re-merge flow: its id, the base (and the fingerprint of its files when it
 * entered), then its folder and merge statistics once merged, its scores once evaluated. {@code failure} set
 * means later stages pass it through.
 */
record Candidate(String id, Path base, String fingerprint, Path dir, MergeStats stats, Map<String, TaskScore> scores,
                 String failure) {

    Candidate failed(String why) {
        return new Candidate(id, base, fingerprint, dir, stats, scores, why);
    }

    /** The base's key: its absolute, normalised path, as history and the admin API name it. */
    static String key(Path base) {
        return base.toAbsolutePath().normalize().toString();
    }
}
