package dev.crucible.serve.model;

import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.Generation;
import dev.crucible.runtime.GenerationRequest;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.serve.template.ChatTemplate;
import dev.crucible.serve.template.ChatTemplates;
import dev.crucible.serve.template.JinjaChatTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Loads a checkpoint and proves it can answer before it takes traffic: the smoke prompt's logits
 * must be finite and a one-token greedy generation must succeed. Runs on the blocking dispatcher.
 */
final class ModelValidator {

    private final CheckpointLoader loader;
    private final String smokePrompt;
    private final Optional<Path> chatTemplate;

    ModelValidator(CheckpointLoader loader, String smokePrompt, Optional<Path> chatTemplate) {
        this.loader = loader;
        this.smokePrompt = smokePrompt;
        this.chatTemplate = chatTemplate;
    }

    LoadedModel loadAndValidate(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new PromotionException(400, "invalid_path", "path " + dir + " is not a directory; give a model folder");
        }
        // The chat template is proved first: it is cheap, and a model whose template cannot render must not serve.
        ChatTemplate template;
        try {
            template = ChatTemplates.forModelDir(dir, chatTemplate);
        } catch (CrucibleException e) {
            String message = e.getMessage().startsWith(dir.toString()) ? e.getMessage() : "model " + dir + ": " + e.getMessage();
            throw new PromotionException(422, "invalid_chat_template", message);
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
            return new LoadedModel(model, template instanceof JinjaChatTemplate jinja ? jinja.forTokenizer(model.tokenizer()) : template);
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
