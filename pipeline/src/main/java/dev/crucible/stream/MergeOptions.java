package dev.crucible.stream;

/**
 * How to run a merge.
 *
 * @param seed         seed of the randomised methods; each tensor derives its own from it and its name,
 *                     so output never depends on thread count or order
 * @param threads      threads merging tensors at once
 * @param progress     told after each tensor is written
 * @param memoryBudget bytes of float32 working data (inputs plus output) allowed in flight; a tensor
 *                     larger than the budget still runs, alone
 */
public record MergeOptions(long seed, int threads, ProgressListener progress, long memoryBudget) {

    public MergeOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (memoryBudget < 1) {
            throw new IllegalArgumentException("memory budget must be positive, got " + memoryBudget);
        }
    }

    /** Options with a memory budget of half the maximum heap (the rest absorbs garbage not yet collected). */
    public MergeOptions(long seed, int threads, ProgressListener progress) {
        this(seed, threads, progress, Runtime.getRuntime().maxMemory() / 2);
    }

    /** Defaults: seed 0, one thread per core, no progress reports. */
    public static MergeOptions defaults() {
        return new MergeOptions(0, Runtime.getRuntime().availableProcessors(), ProgressListener.NONE);
    }
}
