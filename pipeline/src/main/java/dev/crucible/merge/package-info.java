/**
 * The merge methods (mergekit's semantics; {@link dev.crucible.merge.MergeMethods} is the registry), their
 * sparsifiers and selection kernels, and the chunked inputs and outputs through which most methods stream.
 *
 * <p>Uses {@code tensor} and {@code error}; knows nothing of files or streams.
 */
package dev.crucible.merge;
