package dev.crucible.evolve.cmaes;

/**
 * The outcome of evaluating the candidate {@code id}: a fitness to minimise, or {@code failed}
 * when the evaluation broke (a non-finite fitness counts as failed too).
 */
public record Evaluation(int id, double fitness, boolean failed) {

    /** A successful evaluation. */
    public static Evaluation of(int id, double fitness) {
        return new Evaluation(id, fitness, false);
    }

    /** An evaluation that produced no usable fitness. */
    public static Evaluation failure(int id) {
        return new Evaluation(id, Double.NaN, true);
    }

    /** Whether this result may take part in ranking. */
    public boolean usable() {
        return !failed && Double.isFinite(fitness);
    }
}
