package dev.crucible.eval;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.crucible.runtime.LanguageModel;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Which model an evaluator should load. Folders travel to evaluators on any node; in-memory models
 * (evolution candidates merged without touching disk) only to evaluators on the node that built them.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes(@JsonSubTypes.Type(value = ModelRef.Folder.class, name = "folder"))
public sealed interface ModelRef permits ModelRef.Folder, ModelRef.InMemory {

    /** Identity of the model: evaluators keep a model loaded while batches name the same id. */
    String id();

    /** Whether the reference can be sent to another node. */
    boolean portable();

    /** A Hugging Face model folder (on a file system every evaluator node can read). */
    record Folder(Path dir) implements ModelRef {

        @Override
        public String id() {
            return "folder:" + dir.toAbsolutePath().normalize();
        }

        @Override
        public boolean portable() {
            return true;
        }
    }

    /** A model built in this JVM on demand; each evaluator calls the supplier for its own instance. */
    record InMemory(String id, Supplier<LanguageModel> supplier) implements ModelRef {

        @Override
        public boolean portable() {
            return false;
        }
    }
}
