/**
 * Tensor data: dtypes, the bf16/f16/f8 to float32 conversions (scalar and Vector API kernels, checked bit for bit
 * against each other), and tensor views over memory segments.
 *
 * <p>Uses {@code error} only; every other package may use it.
 */
package dev.crucible.tensor;
