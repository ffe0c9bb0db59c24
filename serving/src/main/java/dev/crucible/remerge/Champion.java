package dev.crucible.remerge;

import dev.crucible.task.TaskScore;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model that served as champion: where it is, which base it was merged onto and how it scored.
 *
 * @param id     candidate id it was promoted from
 * @param dir    its model folder
 * @param base   the base checkpoint it was merged onto
 * @param scores its scores by task, the bar the next candidate must clear
 */
public record Champion(String id, String dir, String base, Map<String, TaskScore> scores) {

    public Champion {
        scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
    }
}
