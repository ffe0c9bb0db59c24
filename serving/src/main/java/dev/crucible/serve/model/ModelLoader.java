package dev.crucible.serve.model;

import dev.crucible.runtime.LanguageModel;
import java.nio.file.Path;

/** Loads a checkpoint folder into a model; production uses {@code LanguageModels::load}, tests a double. */
@FunctionalInterface
public interface ModelLoader {
    LanguageModel load(Path modelDir);
}
