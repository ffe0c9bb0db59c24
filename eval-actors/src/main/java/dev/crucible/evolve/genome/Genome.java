package dev.crucible.evolve.genome;

import dev.crucible.recipe.Recipe;
import java.util.Map;

/**
 * A search space: a vector of real genes, its box and start point, and the decoding of a point into a
 * standard merge recipe, so whatever the search finds can be reproduced with {@code crucible merge}.
 */
public interface Genome {

    /** Number of genes. */
    int dimension();

    /** The start point of the search. */
    double[] initial();

    /** Lower edge of the box, per gene. */
    double[] lower();

    /** Upper edge of the box, per gene. */
    double[] upper();

    /** The recipe a point stands for; points outside the box are clipped first. */
    Recipe decode(double[] x);

    /** The decoded values by readable name (for the journal and the report). */
    Map<String, Object> describe(double[] x);
}
