package dev.crucible.task;

import java.nio.file.Path;
import java.util.List;

/** A prompt with candidate continuations; {@code label} indexes the right one. */
public record ChoiceItem(int line, String prompt, List<String> choices, int label, Path image) implements TaskItem {

    public ChoiceItem {
        choices = List.copyOf(choices);
    }
}
