/**
 * {@link dev.crucible.error.CrucibleException}: the one-line error a user can act on, and
 * {@link dev.crucible.error.OneLineErrors}, which every command line uses to print it after {@code error:} and exit
 * with code 2.
 *
 * <p>Uses picocli only.
 */
package dev.crucible.error;
