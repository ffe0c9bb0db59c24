package dev.crucible.evolve;

import dev.crucible.task.Task;
import dev.crucible.task.TaskLoader;
import dev.crucible.task.TaskSpec;

/**
 * One entry of {@code tasks:} or {@code test_tasks:}.
 *
 * @param spec  name, file (resolved against the config file), extraction regex and token cap
 * @param limit score only the first {@code limit} items, or null for all of them
 */
public record TaskSelection(TaskSpec spec, Integer limit) {

    /** The task name scores are reported under. */
    public String name() {
        return spec.name();
    }

    /** Loads and validates the task file, cut to {@code limit} items. */
    public Task load() {
        Task task = TaskLoader.load(spec);
        return limit == null ? task : task.limit(limit);
    }
}
