package dev.crucible.task;

import java.nio.file.Path;

/**
 * What the user asked to evaluate: a task name, its JSONL (or plain-text) file, an optional
 * extraction regex for generation tasks and an optional cap on new tokens.
 *
 * @param name          the name scores are reported under
 * @param path          the task file
 * @param extract       regex whose group 1 (or whole match) is compared; null for plain exact match
 * @param maxNewTokens  generation budget; null for "tokens of the longest answer + 2"
 */
public record TaskSpec(String name, Path path, String extract, Integer maxNewTokens) {

    /** A spec with neither extraction nor a token cap. */
    public static TaskSpec of(String name, Path path) {
        return new TaskSpec(name, path, null, null);
    }
}
