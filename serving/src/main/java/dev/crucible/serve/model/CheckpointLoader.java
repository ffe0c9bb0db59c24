package dev.crucible.serve.model;

import dev.crucible.runtime.LanguageModel;
import java.nio.file.Path;

/**
 * Loads a checkpoint folder into a model for the server to validate and serve; production uses
 * {@code LanguageModels::load}, tests a double. (Evaluation's {@code dev.crucible.eval.ModelLoader} is the other
 * seam: it resolves any model reference, folders, in-memory models and recipes.)
 */
@FunctionalInterface
public interface CheckpointLoader {
    LanguageModel load(Path modelDir);
}
