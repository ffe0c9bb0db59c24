package dev.crucible.eval;

import dev.crucible.runtime.LanguageModel;
import dev.crucible.runtime.LanguageModels;

/** Turns a {@link ModelRef} into a loaded model; injected so tests and other nodes can supply their own. */
@FunctionalInterface
public interface ModelLoader {

    /** Loads the model; the caller owns (and closes) the result. */
    LanguageModel load(ModelRef ref);

    /**
     * Folders through {@link LanguageModels#load(java.nio.file.Path)}, in-memory models through their
     * supplier, recipes merged in memory by the process-wide {@link RecipeModelLoader#shared()}.
     */
    static ModelLoader standard() {
        return ref -> switch (ref) {
            case ModelRef.Folder folder -> LanguageModels.load(folder.dir());
            case ModelRef.InMemory memory -> memory.supplier().get();
            case ModelRef.Recipe recipe -> RecipeModelLoader.shared().load(recipe);
        };
    }
}
