package dev.crucible.recipe;

import java.util.List;
import java.util.Map;

/** An output slice: layers stacked from its sources, all covering the same number of layers. */
public record Slice(List<SliceSource> sources, Map<String, ParameterValue> parameters) {

    public Slice {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("a slice needs at least one source");
        }
        sources = List.copyOf(sources);
        parameters = Map.copyOf(parameters);
    }

    /** Layers this slice contributes to the output. */
    public int length() {
        return sources.getFirst().length();
    }
}
