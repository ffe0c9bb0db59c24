package dev.crucible.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Gets {@link Bf16Vectors} compiled before the codec uses it. Until the JIT's C2 compiler has turned the
 * Vector API calls into SIMD instructions they run as plain Java objects, about a hundred times slower than
 * the scalar loops, and at start-up C2 is busy with everything else: a merge that used the vector kernels
 * from the first chunk spent its first two seconds in that slow form. So a daemon thread calls the kernels
 * on a small buffer, times them, and raises {@link #ready()} once they run at SIMD speed; the codec takes the
 * scalar loops until then (same bits either way).
 */
final class VectorWarmup {

    private static final int ELEMENTS = 1024;
    // Compiled, a call takes well under 0.5 ns per element; interpreted, tens of ns.
    private static final double COMPILED_NANOS_PER_ELEMENT = 1.0;
    private static final int CALLS_PER_ROUND = 64;
    private static final long GIVE_UP_NANOS = 60_000_000_000L;

    private static volatile boolean ready;
    private static boolean started;

    private VectorWarmup() {
    }

    /** Starts the warm-up thread, once. */
    static synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        Thread thread = new Thread(VectorWarmup::run, "crucible-simd-warmup");
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether the vector kernels run compiled. */
    static boolean ready() {
        return ready;
    }

    private static void run() {
        long start = System.nanoTime();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bf16 = arena.allocate(2L * ELEMENTS);
            float[] floats = new float[ELEMENTS];
            for (int i = 0; i < ELEMENTS; i++) {
                floats[i] = i * 0.37f - 100f;
            }
            for (int round = 0; System.nanoTime() - start < GIVE_UP_NANOS; round++) {
                long t0 = System.nanoTime();
                for (int c = 0; c < CALLS_PER_ROUND; c++) {
                    Bf16Vectors.encode(floats, 0, ELEMENTS, bf16, 0);
                    Bf16Vectors.decode(bf16, 0, floats, 0, ELEMENTS);
                }
                double perElement = (System.nanoTime() - t0) / (2.0 * CALLS_PER_ROUND * ELEMENTS);
                if (perElement < COMPILED_NANOS_PER_ELEMENT) {
                    ready = true;
                    return;
                }
                // Past the invocation counts that trigger compilation, wait for the compiler, not spin.
                if (round > 20) {
                    Thread.sleep(5);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
