/**
 * The models a search scores, built in memory: merges of candidate recipes ({@link
 * dev.crucible.evolve.candidate.CandidateBuilder}), mixtures of the MoE genome ({@link
 * dev.crucible.evolve.candidate.MoeCandidateBuilder}), and the fixed hand merges and gate-mode mixtures the
 * evolved model is compared with.
 *
 * <p>Uses {@code evolve.genome}, {@code evolve.report} (progress lines), {@code eval} (model references),
 * {@code moe}, {@code runtime} and the pipeline module; not the config, the journal nor the search itself.
 */
package dev.crucible.evolve.candidate;
