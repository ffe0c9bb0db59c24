package dev.crucible.stream;

import java.time.Duration;

/**
 * What a finished merge did.
 *
 * @param tensors      tensors written
 * @param bytesRead    input bytes read (in their stored dtypes)
 * @param bytesWritten output bytes written
 * @param wallTime     time from start to the sink's finish
 */
public record MergeStats(int tensors, long bytesRead, long bytesWritten, Duration wallTime) {

    /** Input read rate in MB/s (10^6 bytes). */
    public double readMegabytesPerSecond() {
        double s = wallTime.toNanos() / 1e9;
        return s <= 0 ? 0 : bytesRead / 1e6 / s;
    }
}
