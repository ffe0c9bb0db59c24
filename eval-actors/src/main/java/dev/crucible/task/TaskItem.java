package dev.crucible.task;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.nio.file.Path;

/** One line of a task file; the image, when present, is an absolute path to a PNG. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = GenerationItem.class, name = "generation"),
    @JsonSubTypes.Type(value = ChoiceItem.class, name = "choice"),
    @JsonSubTypes.Type(value = TextItem.class, name = "text")
})
public sealed interface TaskItem permits GenerationItem, ChoiceItem, TextItem {

    /** 1-based line in the task file, for messages that point at the item. */
    int line();

    /** The item's image, or null for text-only items. */
    Path image();
}
