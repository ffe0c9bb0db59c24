package dev.crucible.serve.model;

import dev.crucible.runtime.LanguageModel;
import dev.crucible.serve.template.ChatTemplate;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The right to use one model version for one request. The model is not closed while a lease on it
 * is open, even after a newer version has been promoted; closing the lease twice is harmless.
 */
public final class ModelLease implements AutoCloseable {

    private final LanguageModel model;
    private final ModelVersion version;
    private final ChatTemplate chatTemplate;
    private final Runnable onRelease;
    private final AtomicBoolean released = new AtomicBoolean();

    ModelLease(LanguageModel model, ModelVersion version, ChatTemplate chatTemplate, Runnable onRelease) {
        this.model = model;
        this.version = version;
        this.chatTemplate = chatTemplate;
        this.onRelease = onRelease;
    }

    public LanguageModel model() {
        return model;
    }

    public ModelVersion version() {
        return version;
    }

    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    @Override
    public void close() {
        if (released.compareAndSet(false, true)) {
            onRelease.run();
        }
    }
}
