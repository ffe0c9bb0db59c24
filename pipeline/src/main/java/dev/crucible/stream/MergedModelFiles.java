package dev.crucible.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.error.CrucibleException;
import dev.crucible.plan.MergePlan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;

/**
 * Everything of a merged model folder besides the weights: config.json, tokenizer files and
 * generation_config.json (from the tokenizer source), processor files (from the layout model, so a VLM
 * stays usable), and the recipe's chat template in tokenizer_config.json.
 */
public final class MergedModelFiles {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String GENERATION_CONFIG = "generation_config.json";
    private static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    private static final Set<String> TEMPLATE_FILES = Set.of("chat_template.jinja", "chat_template.json");
    /** Slow-tokenizer vocabularies: they lack the tokens a rewritten tokenizer.json adds. */
    private static final Set<String> STALE_WHEN_REWRITTEN = Set.of(
            "tokenizer.model", "vocab.json", "merges.txt", "added_tokens.json");

    private MergedModelFiles() {
    }

    /** Writes the side files of {@code plan}'s output into {@code dir}. */
    public static void write(MergePlan plan, Path dir) {
        try {
            JSON.writeValue(dir.resolve("config.json").toFile(), plan.config());
            // transformers prefers a chat_template.jinja/.json file to tokenizer_config.json's entry: the
            // recipe's template replaces the source's, so its template files are left behind. A rewritten
            // tokenizer.json leaves behind the older vocabulary files that would contradict it.
            boolean rewritten = plan.vocabulary() != null && plan.vocabulary().rewritten();
            if (rewritten) {
                plan.vocabulary().writeTo(dir);
            }
            Set<String> skip = new java.util.HashSet<>(plan.chatTemplate() != null ? TEMPLATE_FILES : Set.of());
            if (rewritten) {
                skip.addAll(STALE_WHEN_REWRITTEN);
            }
            copyKnownFiles(plan.tokenizerSource(), dir, skip);
            copyKnownFiles(plan.layoutModel(), dir, skip);
            copyIfPresent(plan.tokenizerSource().resolve(GENERATION_CONFIG), dir);
            copyIfPresent(plan.layoutModel().resolve(GENERATION_CONFIG), dir);
            if (plan.chatTemplate() != null) {
                Path file = dir.resolve(TOKENIZER_CONFIG);
                ObjectNode config = Files.isRegularFile(file) && JSON.readTree(file.toFile()) instanceof ObjectNode o
                        ? o : JSON.createObjectNode();
                config.put("chat_template", plan.chatTemplate());
                JSON.writeValue(file.toFile(), config);
            }
        } catch (IOException e) {
            throw new CrucibleException(dir + ": cannot write model files (" + e.getMessage() + ")", e);
        }
    }

    /** Copies tokenizer and processor files {@code from} has and {@code dir} lacks. */
    private static void copyKnownFiles(Path from, Path dir, Set<String> skip) throws IOException {
        for (String name : ModelFolder.TOKENIZER_FILES) {
            if (!skip.contains(name)) {
                copyIfPresent(from.resolve(name), dir);
            }
        }
    }

    private static void copyIfPresent(Path file, Path dir) throws IOException {
        Path target = dir.resolve(file.getFileName().toString());
        if (Files.isRegularFile(file) && !Files.exists(target)) {
            Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }
}
