/**
 * Prometheus metrics (Micrometer): the registry and Crucible's meters, named by Prometheus' conventions.
 *
 * <p>Uses Micrometer only.
 */
package dev.crucible.metrics;
