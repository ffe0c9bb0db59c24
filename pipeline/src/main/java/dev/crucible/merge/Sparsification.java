package dev.crucible.merge;

import java.util.Set;

/** The sparsification step of a task-arithmetic method, with the per-model parameters it reads. */
public enum Sparsification {
    /** Task vectors are used whole. */
    NONE(Set.of()),
    /** TIES trim, {@link MagnitudeSparsifier}. */
    MAGNITUDE(Set.of()),
    /** DARE drop, {@link RandomSparsifier}. */
    RANDOM(Set.of()),
    /** Model breadcrumbs, {@link MagnitudeOutliersSparsifier}. */
    MAGNITUDE_OUTLIERS(Set.of("gamma")),
    /** DELLA MagPrune, {@link DellaSparsifier}. */
    DELLA_MAGPRUNE(Set.of("epsilon"));

    static final double DEFAULT_GAMMA = 0.01;
    static final double DEFAULT_EPSILON = 0.15;

    private final Set<String> extraParameters;

    Sparsification(Set<String> extraParameters) {
        this.extraParameters = extraParameters;
    }

    /** Per-model parameters beyond weight and density. */
    Set<String> extraParameters() {
        return extraParameters;
    }

    /** The sparsifier for model {@code i}; {@code streamKey} seeds the random kinds. */
    Sparsifier forModel(MergeParameters p, int i, long streamKey) {
        double density = p.model(i, "density", 1.0);
        return switch (this) {
            case NONE -> new MagnitudeSparsifier(1.0);
            case MAGNITUDE -> new MagnitudeSparsifier(density);
            case RANDOM -> new RandomSparsifier(density, streamKey);
            case MAGNITUDE_OUTLIERS -> new MagnitudeOutliersSparsifier(density, p.model(i, "gamma", DEFAULT_GAMMA));
            case DELLA_MAGPRUNE -> new DellaSparsifier(density, p.model(i, "epsilon", DEFAULT_EPSILON), streamKey);
        };
    }
}
