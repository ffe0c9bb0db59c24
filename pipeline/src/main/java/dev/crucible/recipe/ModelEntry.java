package dev.crucible.recipe;

import java.util.Map;

/** An entry of a recipe's {@code models:} list: a model folder and its per-model parameters. */
public record ModelEntry(String model, Map<String, ParameterValue> parameters) {

    public ModelEntry {
        parameters = Map.copyOf(parameters);
    }
}
