package dev.crucible.moe;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** How the router rows are made: mergekit-moe's {@code gate_mode} values plus our {@code calibrated}. */
public enum GateMode {
    /** Base model's hidden state at each prompt's last token, averaged over prompts (mergekit's default). */
    HIDDEN("hidden"),
    /** mergekit's alias of {@link #HIDDEN}. */
    HIDDEN_LAST("hidden_last"),
    /** Base model's hidden states averaged over each prompt's tokens, then over prompts. */
    HIDDEN_AVG("hidden_avg"),
    /** Normalised sum of the prompts' token embeddings, the same row for every layer. */
    CHEAP_EMBED("cheap_embed"),
    /** Standard normal rows. */
    RANDOM("random"),
    /** Rows uniform in +-1/sqrt(hidden), as torch initialises a Linear layer. */
    UNIFORM_RANDOM("uniform_random"),
    /** Our extension: routers fitted to the experts' own router inputs (see {@link CalibratedRouter}). */
    CALIBRATED("calibrated");

    private final String yamlName;

    GateMode(String yamlName) {
        this.yamlName = yamlName;
    }

    /** The name as written in the config. */
    public String yamlName() {
        return yamlName;
    }

    /** True when the rows come from the base model's forward pass on the prompts. */
    public boolean usesHiddenStates() {
        return this == HIDDEN || this == HIDDEN_LAST || this == HIDDEN_AVG;
    }

    /** The mode named {@code name}, or null. */
    public static GateMode byName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(m -> m.yamlName.equals(n)).findFirst().orElse(null);
    }

    /** Every accepted name. */
    public static List<String> names() {
        return Arrays.stream(values()).map(GateMode::yamlName).toList();
    }
}
