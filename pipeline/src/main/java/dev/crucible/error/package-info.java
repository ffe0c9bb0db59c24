/**
 * {@link dev.crucible.error.CrucibleException}: the one-line error a user can act on, and
 * {@link dev.crucible.error.OneLineErrors}, which every command line uses to print it after {@code error:} and exit
 * with code 2; {@link dev.crucible.error.Causes} finds the failure behind a future's wrappers.
 *
 * <p>Uses picocli only.
 */
package dev.crucible.error;
