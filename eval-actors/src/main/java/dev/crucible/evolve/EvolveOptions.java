package dev.crucible.evolve;

/**
 * How to run a search (command-line choices, not part of the config).
 *
 * @param evaluators     evaluator actors, each holding its own copy of the candidate being scored
 * @param resume         continue the search saved in the output folder
 * @param stopAfter      pause each stage after this many generations in this session (0: run to the end)
 * @param mergeThreads   threads a candidate merge uses
 */
public record EvolveOptions(int evaluators, boolean resume, int stopAfter, int mergeThreads) {

    /** One evaluator, a fresh search, run to the end, merging on every core. */
    public static EvolveOptions defaults() {
        return new EvolveOptions(1, false, 0, Runtime.getRuntime().availableProcessors());
    }
}
