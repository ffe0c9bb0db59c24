package dev.crucible.task;

import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.ImageInput;
import dev.crucible.runtime.LanguageModel;
import java.nio.file.Path;
import java.util.List;

/** Reads item images for a model, refusing image items for text-only models up front. */
final class TaskImages {

    private TaskImages() {
    }

    /** Fails when any item carries an image the model cannot take. */
    static void requireSupport(LanguageModel model, List<? extends TaskItem> items) {
        if (!model.supportsImages()) {
            items.stream().filter(item -> item.image() != null).findFirst().ifPresent(item -> {
                throw new CrucibleException("model " + model.name() + " does not take images, but the item at line "
                        + item.line() + " has image " + item.image());
            });
        }
    }

    /** The decoded image, or null for a text item. */
    static ImageInput read(Path image) {
        if (image == null) {
            return null;
        }
        try {
            return ImageInput.fromPng(image);
        } catch (CrucibleException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CrucibleException("image " + image + ": cannot read it as PNG (" + e.getMessage() + ")", e);
        }
    }
}
