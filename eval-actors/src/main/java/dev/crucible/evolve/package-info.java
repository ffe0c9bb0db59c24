/**
 * The evolutionary merge search: candidates merged in memory, scored through the evaluator pool, journalled,
 * resumed and reported; {@code crucible evolve}.
 *
 * <p>Uses {@code evolve.cmaes}, {@code evolve.genome}, {@code eval} and the pipeline module.
 */
package dev.crucible.evolve;
