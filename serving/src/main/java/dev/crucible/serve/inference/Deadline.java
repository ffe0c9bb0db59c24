package dev.crucible.serve.inference;

import java.time.Duration;

/** The moment a request must be answered by, fixed when it arrives. */
public record Deadline(long atNanos) {

    public static Deadline in(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos());
    }

    /** Time left, never negative. */
    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, atNanos - System.nanoTime()));
    }

    public boolean passed() {
        return System.nanoTime() - atNanos >= 0;
    }
}
