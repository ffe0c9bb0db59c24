package dev.crucible.serve;

import dev.crucible.serve.model.CheckpointLoader;

/** Model loaders of {@link FakeLanguageModel}s for tests outside this package (a running {@code crucible run} without real models). */
public final class FakeCheckpointLoaders {

    private FakeCheckpointLoaders() {}

    /** Loads any folder instantly as a fake model named after it; {@code broken*} folders fail to load. */
    public static CheckpointLoader instant() {
        return new FakeModels(0);
    }
}
