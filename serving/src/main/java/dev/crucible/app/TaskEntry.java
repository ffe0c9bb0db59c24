package dev.crucible.app;

import dev.crucible.task.TaskSpec;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * One entry of {@code tasks:}: a task the champion and every candidate are scored on.
 *
 * @param spec  name, file (resolved against the config file), extraction regex and token cap
 * @param limit only the first {@code limit} items are scored, when present (faster gates on big tasks)
 */
public record TaskEntry(TaskSpec spec, OptionalInt limit) {

    public String name() {
        return spec.name();
    }

    public Path path() {
        return spec.path();
    }
}
