/**
 * Ask/tell CMA-ES with bounds, a separable variant, IPOP restarts and resumable state.
 *
 * <p>Uses EJML and {@code error} only.
 */
package dev.crucible.evolve.cmaes;
