package dev.crucible.app;

import java.time.Duration;

/**
 * The {@code watch:} section: how {@code bases_dir} is scanned and when a new checkpoint counts as complete.
 *
 * @param pollInterval time between scans of the bases folder
 * @param stableFor    how long a checkpoint's files must keep the same sizes before it is merged
 */
public record WatchSettings(Duration pollInterval, Duration stableFor) {

    /** Scan every 2 s; a checkpoint must be unchanged for 5 s. */
    public static WatchSettings defaults() {
        return new WatchSettings(Duration.ofSeconds(2), Duration.ofSeconds(5));
    }
}
