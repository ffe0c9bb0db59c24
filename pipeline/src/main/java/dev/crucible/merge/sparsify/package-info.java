/**
 * Sparsification of task vectors: which elements survive a TIES trim, a DARE drop, model breadcrumbs or DELLA's
 * MagPrune ({@link dev.crucible.merge.sparsify.Sparsifier} implementations, chosen and parameterised by
 * {@link dev.crucible.merge.sparsify.Sparsification}), each producing a
 * {@link dev.crucible.merge.kernels.KeepMask} from values read a range at a time.
 *
 * <p>Uses {@code merge} (values, parameters, the random streams) and {@code merge.kernels} (rank selection, chunked
 * loops); knows nothing of the methods that use it.
 */
package dev.crucible.merge.sparsify;
