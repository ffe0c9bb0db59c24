/**
 * {@link dev.crucible.error.CrucibleException}: the one-line error a user can act on (the CLI prints it after
 * {@code error:} and exits with code 2).
 *
 * <p>Uses nothing.
 */
package dev.crucible.error;
