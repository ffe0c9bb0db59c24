package dev.crucible.evolve.candidate;

/**
 * Builds the model a point of the search space stands for. The coordinator calls it on its merge thread,
 * one candidate at a time.
 */
@FunctionalInterface
public interface CandidateFactory {

    /** The model point {@code x} decodes to. */
    CandidateModel build(double[] x);
}
