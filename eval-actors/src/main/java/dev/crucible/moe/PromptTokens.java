package dev.crucible.moe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.HuggingFaceTextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tokenizes router prompts as mergekit's {@code tokenize_prompts} does: the tokenizer's BOS token text is
 * prepended to the prompt and the whole is encoded without adding special tokens (so BOS is parsed from
 * the text, and nothing else — no EOS — is added).
 */
public final class PromptTokens implements AutoCloseable {

    private final HuggingFaceTextTokenizer tokenizer;
    private final String bosText;

    private PromptTokens(HuggingFaceTextTokenizer tokenizer, String bosText) {
        this.tokenizer = tokenizer;
        this.bosText = bosText;
    }

    /** The tokenizer of model folder {@code dir} (mergekit tokenizes with the base model's tokenizer). */
    public static PromptTokens of(Path dir) {
        JsonNode config;
        try (ModelFolder folder = ModelFolder.open(dir)) {
            config = folder.config();
        }
        return new PromptTokens(HuggingFaceTextTokenizer.load(dir, config), bosText(dir.resolve("tokenizer_config.json")));
    }

    private static String bosText(Path file) {
        if (!Files.isRegularFile(file)) {
            return "";
        }
        try {
            JsonNode bos = new ObjectMapper().readTree(file.toFile()).get("bos_token");
            if (bos == null || bos.isNull()) {
                return "";
            }
            return bos.isObject() ? bos.path("content").asText("") : bos.asText("");
        } catch (IOException e) {
            throw new CrucibleException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
    }

    /** Token ids of each prompt; {@code where} names the config field for errors. */
    public List<int[]> ids(List<String> prompts, String where) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            int[] ids = tokenizer.encode(bosText + prompts.get(i), false);
            if (ids.length == 0) {
                throw new CrucibleException(where + "[" + i + "]: the prompt has no tokens; give some text");
            }
            out.add(ids);
        }
        return out;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
