/**
 * Ask/tell CMA-ES with bounds, a separable variant, IPOP restarts and resumable state.
 *
 * <p>Uses EJML, Jackson (the state file), {@code files} and {@code error}.
 */
package dev.crucible.evolve.cmaes;
