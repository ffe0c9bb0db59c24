package dev.crucible.evolve;

import dev.crucible.evolve.report.SearchReport;

/**
 * What {@code crucible evolve} produced.
 *
 * @param paused  the session stopped early on request; nothing but journal and state was written
 * @param report  the final report, or null when paused
 */
public record EvolutionOutcome(boolean paused, SearchReport report) {
}
