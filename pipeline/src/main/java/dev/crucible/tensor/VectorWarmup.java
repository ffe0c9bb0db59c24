package dev.crucible.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Gets Vector API kernels compiled before they are used. Until the JIT's C2 compiler has turned the Vector
 * API calls into SIMD instructions they run as plain Java objects, about a hundred times slower than scalar
 * loops, and at start-up C2 is busy with everything else: a merge that used the bf16 kernels from the first
 * chunk spent its first two seconds in that slow form. So a daemon thread calls a kernel on a small input,
 * times it, and raises the kernel's flag once it runs at SIMD speed; callers take their scalar loops until
 * then (same bits either way).
 */
public final class VectorWarmup {

    // Compiled, the kernels take well under 0.5 ns per element; interpreted, tens of ns.
    private static final double COMPILED_NANOS_PER_ELEMENT = 1.0;
    private static final int CALLS_PER_ROUND = 64;
    // Past the invocation counts that trigger compilation, the thread waits for the compiler instead of spinning.
    private static final int SPINNING_ROUNDS = 12;
    private static final long GIVE_UP_NANOS = 60_000_000_000L;

    /**
     * One call of a kernel on a small input; returns how many elements it processed. A few hundred elements keep
     * the slow calls before compilation cheap and the per-call overhead of the compiled ones small.
     */
    @FunctionalInterface
    public interface Exercise {
        int run();
    }

    private VectorWarmup() {
    }

    /**
     * Starts warming {@code exercise} on a daemon thread named after {@code kernel}; the returned flag turns true
     * once a call runs at compiled speed (and stays false if that never happens within a minute).
     */
    public static BooleanSupplier start(String kernel, Exercise exercise) {
        AtomicBoolean ready = new AtomicBoolean();
        Thread thread = new Thread(() -> warm(exercise, ready), "crucible-simd-warmup-" + kernel);
        thread.setDaemon(true);
        thread.start();
        return ready::get;
    }

    private static void warm(Exercise exercise, AtomicBoolean ready) {
        long start = System.nanoTime();
        try {
            for (int round = 0; System.nanoTime() - start < GIVE_UP_NANOS; round++) {
                long t0 = System.nanoTime();
                long elements = 0;
                for (int c = 0; c < CALLS_PER_ROUND; c++) {
                    elements += exercise.run();
                }
                if ((System.nanoTime() - t0) / (double) elements < COMPILED_NANOS_PER_ELEMENT) {
                    ready.set(true);
                    return;
                }
                if (round > SPINNING_ROUNDS) {
                    Thread.sleep(5);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
