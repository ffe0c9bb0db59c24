package dev.crucible.evolve.candidate;

import dev.crucible.eval.ModelRef;

/** A candidate built for scoring: a merge or a mixture held in memory. */
public interface CandidateModel {

    /** A reference evaluators load the candidate through, known to them as {@code id}. */
    ModelRef ref(String id);
}
