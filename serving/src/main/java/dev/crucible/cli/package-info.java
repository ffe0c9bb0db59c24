/**
 * The {@code crucible} main (picocli): assembles every module's subcommands and turns errors into one line.
 *
 * <p>Uses every module; nothing uses it.
 */
package dev.crucible.cli;
