/**
 * Genomes: how a vector of numbers becomes a merge recipe (parameter space, data-flow space).
 *
 * <p>Uses the pipeline module's {@code recipe} and {@code merge}.
 */
package dev.crucible.evolve.genome;
