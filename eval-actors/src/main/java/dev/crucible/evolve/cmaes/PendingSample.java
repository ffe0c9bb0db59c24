package dev.crucible.evolve.cmaes;

/**
 * A sample of the outstanding generation: {@code raw} as drawn from the search distribution (what the
 * update learns from) and {@code repaired}, the in-box point handed out for evaluation.
 */
public record PendingSample(int id, double[] raw, double[] repaired) {
}
