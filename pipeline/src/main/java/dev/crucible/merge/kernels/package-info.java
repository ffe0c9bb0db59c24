/**
 * The low-level loops merges are built from: splitting a tensor into chunks run in parallel
 * ({@link dev.crucible.merge.kernels.Chunks}, per-thread {@link dev.crucible.merge.kernels.Scratch} buffers), keep
 * masks, O(n) rank selection (radix select, quickselect, the one-pass TIES threshold) and the Vector API kernels of
 * the TIES family ({@link dev.crucible.merge.kernels.TiesVectors}, used only when
 * {@link dev.crucible.merge.kernels.TiesKernels#vectors()} says they run), each checked bit for bit against plain
 * scalar loops in the tests.
 *
 * <p>Uses only {@code merge}'s value types ({@link dev.crucible.merge.ChunkedValues}) and the JDK; knows no method
 * or sparsifier.
 */
package dev.crucible.merge.kernels;
