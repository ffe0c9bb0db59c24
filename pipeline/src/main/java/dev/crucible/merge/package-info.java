/**
 * The contracts of merging: {@link dev.crucible.merge.MergeMethod} (one algorithm, mergekit's {@code merge_method})
 * and {@link dev.crucible.merge.StreamingMerge} (one that merges a chunk at a time), each method's declaration
 * ({@link dev.crucible.merge.MethodDefinition}, {@link dev.crucible.merge.ParameterDefinition}), the registry
 * ({@link dev.crucible.merge.MergeMethods}), resolved parameters, and the inputs and outputs a method sees
 * ({@link dev.crucible.merge.MergeInput} over arrays or chunked values, {@link dev.crucible.merge.ChunkWriter}).
 *
 * <p>Subpackages: {@code methods} (the algorithms), {@code sparsify} (how task vectors are thinned) and
 * {@code kernels} (selection, chunked loops, vector kernels). This package uses {@code tensor} and {@code error};
 * only the registry names the classes of {@code methods} (to list them) and {@code kernels} (to warm them up).
 * Nothing here knows of files or streams.
 */
package dev.crucible.merge;
