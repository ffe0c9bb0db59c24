package dev.crucible.stream;

import java.time.Duration;

/**
 * A snapshot of a running merge.
 *
 * @param done         tensors written so far
 * @param total        tensors planned
 * @param bytesRead    input bytes read so far (in their stored dtypes)
 * @param bytesWritten output bytes written so far
 * @param totalBytes   output bytes planned
 * @param elapsed      time since the merge started
 * @param lastTensor   name of the tensor just written
 */
public record MergeProgress(int done, int total, long bytesRead, long bytesWritten, long totalBytes,
                            Duration elapsed, String lastTensor) {

    /** Input read rate in MB/s (10^6 bytes). */
    public double readMegabytesPerSecond() {
        double s = elapsed.toNanos() / 1e9;
        return s <= 0 ? 0 : bytesRead / 1e6 / s;
    }

    /** Fraction of output bytes written, in [0, 1]. */
    public double fraction() {
        return totalBytes == 0 ? (total == 0 ? 1 : (double) done / total) : (double) bytesWritten / totalBytes;
    }

    /** Estimated time left, extrapolated from the bytes written so far. */
    public Duration eta() {
        double f = fraction();
        if (f <= 0) {
            return Duration.ZERO;
        }
        return Duration.ofNanos((long) (elapsed.toNanos() * (1 - f) / f));
    }
}
