/**
 * {@code crucible demo}: the narrated story (merge, evaluate, evolve, serve, re-merge) on the bundled zoo, then
 * zoo2's chapter: weight merges and mergekit's gates against calibrated MoE routing, and the mixture served.
 *
 * <p>Uses every other package; nothing uses it.
 */
package dev.crucible.demo;
