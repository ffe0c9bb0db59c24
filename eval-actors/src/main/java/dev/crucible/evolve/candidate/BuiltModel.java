package dev.crucible.evolve.candidate;

import dev.crucible.eval.ModelRef;
import dev.crucible.plan.MergePlan;
import dev.crucible.eval.MergedModelLoading;
import dev.crucible.stream.InMemoryWeights;

/** A merge held in memory: its plan (config, tokenizer source) and its weights. */
public record BuiltModel(MergePlan plan, InMemoryWeights weights) implements CandidateModel {

    /** A reference evaluators load by building their own copy of the model from these weights. */
    @Override
    public ModelRef ref(String id) {
        return new ModelRef.InMemory(id, () -> MergedModelLoading.load(plan, weights, id));
    }
}
