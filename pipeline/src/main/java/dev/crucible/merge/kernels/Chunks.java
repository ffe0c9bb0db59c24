package dev.crucible.merge.kernels;

import java.util.stream.IntStream;

/**
 * Splits an index range into fixed-size chunks and runs them, in parallel when the range is large.
 * The chunk size never depends on the thread count, and partial sums are combined in chunk order, so a
 * result is bit-identical however many threads ran it.
 */
public final class Chunks {

    /** Elements per chunk; a multiple of 64 so that chunks never share a {@link KeepMask} word. */
    public static final int SIZE = 1 << 14;
    /** Below this many elements the fork/join overhead outweighs the gain. */
    public static final int PARALLEL_MIN = 1 << 18;

    private Chunks() {
    }

    /** Work on the elements {@code [from, to)} of chunk {@code chunk}. */
    @FunctionalInterface
    public interface Body {
        void run(int chunk, int from, int to);
    }

    /** A partial sum over the elements {@code [from, to)}. */
    @FunctionalInterface
    public interface PartialSum {
        double sum(int from, int to);
    }

    public static int count(int n) {
        return (n + SIZE - 1) / SIZE;
    }

    public static void run(int n, Body body) {
        int chunks = count(n);
        if (n < PARALLEL_MIN) {
            for (int c = 0; c < chunks; c++) {
                body.run(c, c * SIZE, Math.min(n, (c + 1) * SIZE));
            }
        } else {
            IntStream.range(0, chunks).parallel().forEach(c -> body.run(c, c * SIZE, Math.min(n, (c + 1) * SIZE)));
        }
    }

    /** Sums per chunk, then adds the chunk sums in order: deterministic under any parallelism. */
    public static double sum(int n, PartialSum partial) {
        double[] parts = new double[count(n)];
        run(n, (c, from, to) -> parts[c] = partial.sum(from, to));
        return total(parts);
    }

    /** Per-chunk sums added in chunk order. */
    public static double total(double[] parts) {
        double total = 0;
        for (double p : parts) {
            total += p;
        }
        return total;
    }
}
