/**
 * {@code crucible demo}: the narrated story (merge, evaluate, evolve, serve, re-merge) on the bundled zoo.
 *
 * <p>Uses every other package; nothing uses it.
 */
package dev.crucible.demo;
