/**
 * {@code journal.jsonl}: one line per evaluated candidate, appended as results arrive; what {@code --resume}
 * reuses and what the reports are drawn from.
 *
 * <p>Uses Jackson, {@code files} and {@code error}; nothing else of {@code evolve}.
 */
package dev.crucible.evolve.journal;
