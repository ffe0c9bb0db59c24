/**
 * The evolutionary merge search and {@code crucible evolve}: {@link dev.crucible.evolve.Evolution} prepares the
 * output folder and runs the stages, one {@link dev.crucible.evolve.EvolutionRun} coordinator each (candidates
 * merged in memory, scored through the evaluator pool, journalled, told to CMA-ES), then writes the results.
 *
 * <p>Uses its parts {@code evolve.config} (the config file), {@code evolve.candidate} (the models scored),
 * {@code evolve.journal} ({@code journal.jsonl}), {@code evolve.report} (progress and reports),
 * {@code evolve.cmaes} and {@code evolve.genome}, plus {@code eval}, {@code task} and the pipeline module. None
 * of the parts uses this package.
 */
package dev.crucible.evolve;
