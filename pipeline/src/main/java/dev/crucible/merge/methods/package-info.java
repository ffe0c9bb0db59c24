/**
 * The merge methods, one class per method or family (mergekit's semantics; {@code docs/merge-methods.md} says which
 * source each follows): linear, slerp, nuslerp, multislerp, karcher, nearswap, model_stock, sce, arcee_fusion,
 * ram/ramplus_tl, passthrough and the task-arithmetic family ({@link dev.crucible.merge.methods.TaskArithmeticFamily},
 * configured per {@link dev.crucible.merge.methods.TaskArithmeticVariant}), with the helpers they share (aligning
 * inputs to the output shape, weight checks).
 *
 * <p>Each method declares itself once ({@code DEFINITION} or {@code definition()}) and reads its parameters through
 * that declaration. Uses {@code merge} (the contracts), {@code merge.sparsify}, {@code merge.kernels}, {@code tensor}
 * and {@code error}; the rest of the program reaches the methods through {@link dev.crucible.merge.MergeMethods}
 * (the planner also reads the declarations of linear and passthrough, whose rules it applies).
 */
package dev.crucible.merge.methods;
