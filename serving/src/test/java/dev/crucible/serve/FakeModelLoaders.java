package dev.crucible.serve;

import dev.crucible.serve.model.ModelLoader;

/** Model loaders of {@link FakeLanguageModel}s for tests outside this package (a running {@code crucible run} without real models). */
public final class FakeModelLoaders {

    private FakeModelLoaders() {}

    /** Loads any folder instantly as a fake model named after it; {@code broken*} folders fail to load. */
    public static ModelLoader instant() {
        return new FakeModels(0);
    }
}
