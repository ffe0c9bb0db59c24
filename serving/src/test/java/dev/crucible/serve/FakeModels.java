package dev.crucible.serve;

import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.serve.model.CheckpointLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link CheckpointLoader} of {@link FakeLanguageModel}s named after the folder: a folder named
 * {@code broken*} fails to load, {@code nan*} loads but has non-finite logits.
 */
public final class FakeModels implements CheckpointLoader {

    private final long tokenDelayMillis;
    private final List<FakeLanguageModel> loaded = new CopyOnWriteArrayList<>();

    public FakeModels(long tokenDelayMillis) {
        this.tokenDelayMillis = tokenDelayMillis;
    }

    @Override
    public LanguageModel load(Path modelDir) {
        String name = modelDir.getFileName().toString();
        if (name.startsWith("broken")) {
            throw new CrucibleException(modelDir + "/config.json: missing; not a model folder");
        }
        FakeLanguageModel model = new FakeLanguageModel(name, tokenDelayMillis, name.startsWith("nan"));
        loaded.add(model);
        return model;
    }

    public List<FakeLanguageModel> loaded() {
        return loaded;
    }
}
