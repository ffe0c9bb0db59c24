package dev.crucible.remerge;

import java.time.Instant;

/**
 * A base the service has not decided yet, as {@code GET /admin/bases} lists it.
 *
 * @param base   the base folder
 * @param state  {@code waiting} (not complete or still changing), {@code queued}, {@code merge},
 *               {@code evaluate}, {@code decide}, or {@code failed} (tried again when its files change)
 * @param detail what it waits for, or why it failed
 * @param since  when it entered this state
 */
public record BaseStatus(String base, String state, String detail, Instant since) {}
