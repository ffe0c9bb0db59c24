package dev.crucible.evolve.genome;

import java.util.Map;

/**
 * What the optimiser sees of a search space: a vector of real genes, its box and start point, and the
 * readable decoded values of a point (for the journal and the report). How a point becomes a model is the
 * business of the space's decoder ({@link Genome} for merge recipes, {@link MoeGenome} for mixtures).
 */
public interface GeneSpace {

    /** Number of genes. */
    int dimension();

    /** The start point of the search. */
    double[] initial();

    /** Lower edge of the box, per gene. */
    double[] lower();

    /** Upper edge of the box, per gene. */
    double[] upper();

    /** The decoded values by readable name (for the journal and the report). */
    Map<String, Object> describe(double[] x);
}
