package dev.crucible.evolve.config;

import java.util.Locale;

/** Which part of a merge the evolutionary search tunes (Akiba et al., 2024). */
public enum SearchSpace {
    /** Merge parameters (weight, density, t) per model, layer group and tensor filter. */
    PARAMETER,
    /** The path of the hidden state through the source models' layers, with a scale per step. */
    DATAFLOW,
    /** A parameter-space search, then a data-flow search whose first model is the best parameter merge. */
    BOTH,
    /** A Mixtral mixture of the models' MLPs: calibrated routers' strength, top-k, and which layers mix. */
    MOE;

    /** The name used in config files. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
