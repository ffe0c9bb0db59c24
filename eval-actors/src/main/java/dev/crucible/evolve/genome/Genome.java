package dev.crucible.evolve.genome;

import dev.crucible.recipe.Recipe;

/**
 * A search space whose points decode into a standard merge recipe, so whatever the search finds can be
 * reproduced with {@code crucible merge}.
 */
public interface Genome extends GeneSpace {

    /** The recipe a point stands for; points outside the box are clipped first. */
    Recipe decode(double[] x);
}
