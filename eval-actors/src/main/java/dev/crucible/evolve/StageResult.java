package dev.crucible.evolve;

import dev.crucible.evolve.cmaes.Best;
import dev.crucible.evolve.cmaes.StopReason;

/**
 * How one search stage ended.
 *
 * @param paused      stopped early on request ({@code --stop-after}); resume to continue
 * @param best        the best candidate found, or null when none could be evaluated
 * @param evaluations candidates evaluated over the whole stage (earlier sessions included)
 * @param generations generations completed
 * @param stopReason  CMA-ES's own reason when it converged, else {@link StopReason#RUNNING} (budget spent)
 */
public record StageResult(boolean paused, Best best, int evaluations, int generations, StopReason stopReason) {
}
