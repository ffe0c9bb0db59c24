package dev.crucible.task;

import java.nio.file.Path;

/** A prompt the model must complete with {@code answer} (compared after trimming). */
public record GenerationItem(int line, String prompt, String answer, Path image) implements TaskItem {
}
