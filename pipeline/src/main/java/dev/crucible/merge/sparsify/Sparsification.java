package dev.crucible.merge.sparsify;

import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.ParameterDefinition;

import java.util.List;

/** The sparsification step of a task-arithmetic method, with the per-model parameters it reads. */
public enum Sparsification {
    /** Task vectors are used whole. */
    NONE,
    /** TIES trim, {@link MagnitudeSparsifier}. */
    MAGNITUDE,
    /** DARE drop, {@link RandomSparsifier}. */
    RANDOM,
    /** Model breadcrumbs, {@link MagnitudeOutliersSparsifier}. */
    MAGNITUDE_OUTLIERS,
    /** DELLA MagPrune, {@link DellaSparsifier}. */
    DELLA_MAGPRUNE;

    /** The fraction of a task vector kept (every family member declares it; below 1 only a sparsifier acts). */
    public static final ParameterDefinition DENSITY = ParameterDefinition.perModel("density", 1.0);
    /** Breadcrumbs: the fraction of largest magnitudes dropped as outliers. */
    public static final ParameterDefinition GAMMA = ParameterDefinition.perModel("gamma", 0.01);
    /** DELLA: the spread of keep probabilities around the density. */
    public static final ParameterDefinition EPSILON = ParameterDefinition.perModel("epsilon", 0.15);

    /** Per-model parameters beyond weight and density. */
    public List<ParameterDefinition> parameters() {
        return switch (this) {
            case MAGNITUDE_OUTLIERS -> List.of(GAMMA);
            case DELLA_MAGPRUNE -> List.of(EPSILON);
            case NONE, MAGNITUDE, RANDOM -> List.of();
        };
    }

    /** The sparsifier for model {@code i}; {@code streamKey} seeds the random kinds. */
    public Sparsifier forModel(MergeParameters p, int i, long streamKey) {
        double density = DENSITY.number(p, i);
        return switch (this) {
            case NONE -> new MagnitudeSparsifier(1.0);
            case MAGNITUDE -> new MagnitudeSparsifier(density);
            case RANDOM -> new RandomSparsifier(density, streamKey);
            case MAGNITUDE_OUTLIERS -> new MagnitudeOutliersSparsifier(density, GAMMA.number(p, i));
            case DELLA_MAGPRUNE -> new DellaSparsifier(density, EPSILON.number(p, i), streamKey);
        };
    }
}
