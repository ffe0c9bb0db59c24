package dev.crucible.serve;

import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.Generation;
import dev.crucible.runtime.GenerationRequest;
import dev.crucible.runtime.LanguageModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads a checkpoint and proves it can answer before it takes traffic: the smoke prompt's logits
 * must be finite and a one-token greedy generation must succeed. Runs on the blocking dispatcher.
 */
final class ModelValidator {

    private final ModelLoader loader;
    private final String smokePrompt;

    ModelValidator(ModelLoader loader, String smokePrompt) {
        this.loader = loader;
        this.smokePrompt = smokePrompt;
    }

    LoadedModel loadAndValidate(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new PromotionException(400, "invalid_path", "path " + dir + " is not a directory; give a model folder");
        }
        LanguageModel model;
        try {
            model = loader.load(dir);
        } catch (CrucibleException e) {
            throw new PromotionException(422, "invalid_model", "cannot load " + dir + ": " + e.getMessage());
        } catch (RuntimeException | OutOfMemoryError e) {
            throw new PromotionException(500, "model_load_failed", "loading " + dir + " failed: " + e);
        }
        try {
            smokeTest(model, dir);
            return new LoadedModel(model, ChatTemplates.forModelDir(dir));
        } catch (RuntimeException e) {
            model.close();
            if (e instanceof PromotionException) {
                throw e;
            }
            throw new PromotionException(422, "model_validation_failed",
                    "model " + dir + " failed the smoke prompt: " + e.getMessage());
        }
    }

    private void smokeTest(LanguageModel model, Path dir) {
        int[] ids = model.tokenizer().encode(smokePrompt, true);
        float[] logits = model.lastLogits(ids, null);
        if (logits.length == 0) {
            throw new PromotionException(422, "model_validation_failed", "model " + dir + " returned no logits for the smoke prompt");
        }
        for (float v : logits) {
            if (!Float.isFinite(v)) {
                throw new PromotionException(422, "model_validation_failed",
                        "model " + dir + " produced non-finite logits (" + v + ") for the smoke prompt; its weights are broken");
            }
        }
        List<Generation> out = model.generate(
                List.of(new GenerationRequest(smokePrompt, null, 1, 0.0, 1.0, 0, 0L, List.of())));
        if (out.size() != 1) {
            throw new PromotionException(422, "model_validation_failed",
                    "model " + dir + " answered " + out.size() + " generations for one smoke prompt");
        }
    }
}
