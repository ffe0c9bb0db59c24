package dev.crucible.evolve.report;

import java.util.Optional;

/**
 * The latest progress of an evolutionary search in this process, for metrics: a server started in the
 * same JVM (the demo, a long-running service) exports it without the search knowing about Micrometer.
 */
public final class EvolutionStatus {

    /** One finished generation: the stage, its number, evaluations against the budget, best dev score so far. */
    public record Snapshot(String stage, int generation, int evaluations, int budget, double bestScore) {}

    private static volatile Snapshot latest;

    private EvolutionStatus() {}

    /** The last finished generation, if a search ran in this process. */
    public static Optional<Snapshot> latest() {
        return Optional.ofNullable(latest);
    }

    static void publish(Snapshot snapshot) {
        latest = snapshot;
    }
}
