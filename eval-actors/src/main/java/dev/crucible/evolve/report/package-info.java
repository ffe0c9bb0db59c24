/**
 * What a search tells its user: progress lines and the live status metrics export while it runs, then
 * {@code report.md} (verdict and score table), {@code fitness.png} and {@code scores.json}.
 *
 * <p>Uses {@code evolve.journal} (generation statistics), Jackson, JFreeChart and {@code error}; not the
 * candidates nor the search itself.
 */
package dev.crucible.evolve.report;
