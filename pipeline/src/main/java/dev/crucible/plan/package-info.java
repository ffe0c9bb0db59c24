/**
 * Planning a merge before any tensor is read: every output tensor with its sources, method and resolved
 * parameters, checked against the opened models (layer counts, shapes, parameter ranges).
 *
 * <p>Uses {@code recipe}, {@code checkpoint}, {@code safetensors} and {@code merge} (for the method registry).
 */
package dev.crucible.plan;
