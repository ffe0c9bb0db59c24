/**
 * Planning a merge before any tensor is read: every output tensor with its sources, method and resolved
 * parameters, checked against the opened models (layer counts, shapes, parameter ranges).
 *
 * <p>Uses {@code recipe}, {@code checkpoint}, {@code safetensors}, {@code lora}, {@code tokenizer} and {@code merge}
 * (the method registry and declarations; of {@code merge.methods} only the declarations of linear and passthrough,
 * whose base and source rules the planner applies).
 */
package dev.crucible.plan;
