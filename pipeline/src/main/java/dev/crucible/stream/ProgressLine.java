package dev.crucible.stream;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Shows merge progress as one line rewritten in place (carriage return), at most a few times a second,
 * ending with a newline when the last tensor is written.
 */
public final class ProgressLine implements ProgressListener {

    private static final long MIN_INTERVAL_NANOS = 200_000_000L;

    private final PrintStream out;
    private long lastPrint = Long.MIN_VALUE;
    private int lastWidth;

    /** Progress printed to {@code out} (normally {@code System.err}). */
    public ProgressLine(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void onTensor(MergeProgress p) {
        long now = System.nanoTime();
        boolean last = p.done() == p.total();
        if (!last && lastPrint != Long.MIN_VALUE && now - lastPrint < MIN_INTERVAL_NANOS) {
            return;
        }
        lastPrint = now;
        String line = format(p);
        String pad = line.length() < lastWidth ? " ".repeat(lastWidth - line.length()) : "";
        lastWidth = line.length();
        out.print("\r" + line + pad + (last ? "\n" : ""));
        out.flush();
    }

    /** The text of one progress line. */
    static String format(MergeProgress p) {
        return String.format(Locale.ROOT, "merging %d/%d tensors %3.0f%%  %s read  %.0f MB/s  ETA %s",
                p.done(), p.total(), p.fraction() * 100, megabytes(p.bytesRead()), p.readMegabytesPerSecond(),
                clock(p.eta()));
    }

    private static String megabytes(long bytes) {
        return bytes >= 1_000_000_000L
                ? String.format(Locale.ROOT, "%.2f GB", bytes / 1e9)
                : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static String clock(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
