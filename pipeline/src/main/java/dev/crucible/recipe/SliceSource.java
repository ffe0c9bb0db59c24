package dev.crucible.recipe;

import java.util.Arrays;
import java.util.Map;

/** One source of an output slice: layers {@code [layerRange[0], layerRange[1])} of a model. */
public record SliceSource(String model, int[] layerRange, Map<String, ParameterValue> parameters) {

    public SliceSource {
        if (layerRange.length != 2) {
            throw new IllegalArgumentException("a layer range has two ends, got " + Arrays.toString(layerRange));
        }
        layerRange = layerRange.clone();
        parameters = Map.copyOf(parameters);
    }

    @Override
    public int[] layerRange() {
        return layerRange.clone();
    }

    /** First layer taken (inclusive). */
    public int start() {
        return layerRange[0];
    }

    /** End of the range (exclusive). */
    public int end() {
        return layerRange[1];
    }

    /** Number of layers this source contributes. */
    public int length() {
        return layerRange[1] - layerRange[0];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SliceSource s && model.equals(s.model) && Arrays.equals(layerRange, s.layerRange)
                && parameters.equals(s.parameters);
    }

    @Override
    public int hashCode() {
        return (model.hashCode() * 31 + Arrays.hashCode(layerRange)) * 31 + parameters.hashCode();
    }

    @Override
    public String toString() {
        return "SliceSource[" + model + " " + Arrays.toString(layerRange) + " " + parameters + "]";
    }
}
