/**
 * The evolution config ({@code crucible evolve CONFIG.yml}): its records (models, method, {@code genome:},
 * {@code search:}, tasks) and the parser whose every error names the file and the field.
 *
 * <p>Uses {@code config}, {@code task}, {@code moe} and the pipeline module; nothing else of {@code evolve}.
 */
package dev.crucible.evolve.config;
