package dev.crucible.evolve.config;

/**
 * The {@code search:} block: CMA-ES settings and the evaluation budget.
 *
 * @param population     candidates per generation, or null for CMA-ES's default 4 + floor(3 ln n)
 * @param maxEvaluations candidates to evaluate in all (no generation starts that would exceed it)
 * @param sigma          initial step size (the paper: 1/6)
 * @param seed           seed of the sampler and of randomised merges (DARE)
 * @param separable      diagonal sep-CMA, or null to choose it for more than 40 genes
 * @param restarts       IPOP restarts when a run converges early
 */
public record SearchSettings(Integer population, int maxEvaluations, double sigma, long seed, Boolean separable,
                             int restarts) {
}
