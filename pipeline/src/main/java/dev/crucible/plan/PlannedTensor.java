package dev.crucible.plan;

import dev.crucible.merge.MergeParameters;
import dev.crucible.tensor.TensorInfo;
import dev.crucible.tokenizer.EmbeddingPermutation;

import java.util.List;

/**
 * One output tensor and how to make it.
 *
 * @param output     name, dtype and shape written
 * @param sources    the merged models' tensors, in the order of {@code params.perModel()}
 * @param base       the base model's tensor, or null
 * @param params     resolved parameters for this tensor
 * @param method     merge method name ({@code passthrough} for tensors copied from one model)
 * @param rebaseOnto when task vectors were taken against {@code base} but belong on another base
 *                   (re-merge onto a newer release), that base's tensor; otherwise null
 * @param embeddings for a token embedding or output head when the recipe sets a tokenizer: how every input's rows
 *                   are laid out in the output vocabulary before merging; otherwise null
 */
public record PlannedTensor(TensorInfo output, List<SourceRef> sources, SourceRef base, MergeParameters params,
                            String method, SourceRef rebaseOnto, EmbeddingPermutation embeddings) {

    public PlannedTensor {
        sources = List.copyOf(sources);
    }

    /** A tensor whose inputs merge with the rows they have. */
    public PlannedTensor(TensorInfo output, List<SourceRef> sources, SourceRef base, MergeParameters params,
                         String method, SourceRef rebaseOnto) {
        this(output, sources, base, params, method, rebaseOnto, null);
    }

    /** Whether the tensor holds integers or flags, copied byte for byte from its single source. */
    public boolean isRawCopy() {
        return !output.dtype().isFloatingPoint();
    }

    /** Every input tensor this output reads, base first. */
    public List<SourceRef> inputs() {
        java.util.ArrayList<SourceRef> all = new java.util.ArrayList<>();
        if (base != null) {
            all.add(base);
        }
        all.addAll(sources);
        if (rebaseOnto != null) {
            all.add(rebaseOnto);
        }
        return all;
    }
}
