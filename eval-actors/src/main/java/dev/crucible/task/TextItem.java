package dev.crucible.task;

import java.nio.file.Path;

/** A text whose per-token negative log-likelihood feeds the task's perplexity. */
public record TextItem(int line, String text, Path image) implements TaskItem {
}
