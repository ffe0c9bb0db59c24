package dev.crucible.task;

import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * A task file chosen for scoring, as a config lists it: {@code tasks:} of an evolution config or an app
 * config, {@code test_tasks:} of an evolution config.
 *
 * @param spec  name, file (resolved against the config file), extraction regex and token cap
 * @param limit score only the first {@code limit} items (faster gates and searches on big tasks); empty for all
 */
public record TaskSelection(TaskSpec spec, OptionalInt limit) {

    /** The task name scores are reported under. */
    public String name() {
        return spec.name();
    }

    /** The task file. */
    public Path path() {
        return spec.path();
    }

    /** Loads and validates the task file, cut to {@code limit} items. */
    public Task load() {
        Task task = TaskLoader.load(spec);
        return limit.isPresent() ? task.limit(limit.getAsInt()) : task;
    }
}
