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
 * @param allowNonFinite whether NaN and infinite values may pass; by default an input holding one, or a merged
 *                     value stored as one in the output dtype, stops the merge naming the tensor
 */
public record MergeOptions(long seed, int threads, ProgressListener progress, long memoryBudget,
                           boolean allowNonFinite) {

    public MergeOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (memoryBudget < 1) {
            throw new IllegalArgumentException("memory budget must be positive, got " + memoryBudget);
        }
    }

    /** Options refusing non-finite values. */
    public MergeOptions(long seed, int threads, ProgressListener progress, long memoryBudget) {
        this(seed, threads, progress, memoryBudget, false);
    }

    /** Options with a memory budget of half the maximum heap (the rest absorbs garbage not yet collected). */
    public MergeOptions(long seed, int threads, ProgressListener progress) {
        this(seed, threads, progress, Runtime.getRuntime().maxMemory() / 2);
    }

    /** These options with non-finite values allowed or refused. */
    public MergeOptions withAllowNonFinite(boolean allow) {
        return new MergeOptions(seed, threads, progress, memoryBudget, allow);
    }

    /** Defaults: seed 0, one thread per core, no progress reports. */
    public static MergeOptions defaults() {
        return new MergeOptions(0, Runtime.getRuntime().availableProcessors(), ProgressListener.NONE);
    }
}
