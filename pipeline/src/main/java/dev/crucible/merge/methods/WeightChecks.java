package dev.crucible.merge.methods;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.ParameterDefinition;

/** The weight checks the averaging methods share: every model has a finite weight, and weights to be normalised do not sum to 0. */
final class WeightChecks {

    private WeightChecks() {
    }

    /**
     * Checks {@code weight} of every model of {@code method}; when the global flag {@code normalizeFlag}
     * asks for normalisation, the weights must not sum to 0.

     */
    static void requireNormalisableWeights(String method, MergeParameters p, ParameterDefinition normalizeFlag) {
        if (p.modelCount() == 0) {
            throw new CrucibleException(method + ": needs at least one model under models");
        }
        double sum = 0;
        for (int i = 0; i < p.modelCount(); i++) {
            double w = ParameterDefinition.WEIGHT.require(method, p, i);
            if (!Double.isFinite(w)) {
                throw new CrucibleException(method + ": weight must be a finite number for model " + p.modelName(i)
                        + " (got " + w + ")");
            }
            sum += w;
        }
        if (normalizeFlag.flag(p) && Math.abs(sum) < 1e-8) {
            throw new CrucibleException(method + ": the weights sum to 0, so they cannot be normalised;"
                    + " change the weights or set " + normalizeFlag.name() + ": false");
        }
    }
}
