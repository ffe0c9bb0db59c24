package dev.crucible.stream;

import dev.crucible.error.CrucibleException;
import dev.crucible.plan.MergePlan;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The output files that mergekit's {@code --no-copy-tokenizer} and {@code --write-model-card} decide
 * ({@code run_merge} and {@code _copy_tokenizer} in mergekit/merge.py).
 */
final class MergekitOutputFiles {

    /** The recipe as given, beside the model card, as mergekit writes it. */
    static final String RECIPE_COPY = "mergekit_config.yml";

    /** What mergekit's _copy_tokenizer copies from the donor model, generation_config.json included. */
    private static final List<String> TOKENIZER_COPY = List.of(
            "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json", "tokenizer.model",
            "added_tokens.json", "merges.txt", "vocab.json", "chat_template.jinja", "generation_config.json",
            "chat_template.json", "video_preprocessor_config.json");

    private MergekitOutputFiles() {
    }

    /**
     * {@code --no-copy-tokenizer}: removes the tokenizer files copied into {@code dir}, unless the recipe names a
     * {@code tokenizer_source} (mergekit then builds and saves the tokenizer whatever the flag says). A chat template
     * has nowhere to go then, as in mergekit, which warns the same way.
     */
    static void removeCopiedTokenizer(MergePlan plan, Path dir, PrintWriter err) {
        if (plan.recipe().tokenizerSource() != null) {
            return;
        }
        try {
            for (String name : TOKENIZER_COPY) {
                Files.deleteIfExists(dir.resolve(name));
            }
        } catch (IOException e) {
            throw new CrucibleException(dir + ": cannot leave out the tokenizer (" + e.getMessage() + ")", e);
        }
        if (plan.chatTemplate() != null) {
            err.println("note: chat_template is not saved: --no-copy-tokenizer leaves the tokenizer out");
            err.flush();
        }
    }

    /** Writes the recipe file's text as {@code mergekit_config.yml}. */
    static void writeRecipeCopy(Path recipeFile, Path dir) {
        try {
            Files.writeString(dir.resolve(RECIPE_COPY), Files.readString(recipeFile));
        } catch (IOException e) {
            throw new CrucibleException(dir.resolve(RECIPE_COPY) + ": cannot write the recipe copy ("
                    + e.getMessage() + ")", e);
        }
    }
}
