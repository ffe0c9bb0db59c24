package dev.crucible.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks a model's chat template: its own {@code chat_template} from {@code tokenizer_config.json}
 * (rendered by {@link JinjaChatTemplate}), else {@link PlainChatTemplate}, the documented fallback.
 */
public final class ChatTemplates {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(ChatTemplates.class);

    private ChatTemplates() {}

    public static ChatTemplate forModelDir(Path dir) {
        Path file = dir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(file)) {
            return new PlainChatTemplate();
        }
        JsonNode config;
        try {
            config = MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new CrucibleException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        String source = templateSource(config.get("chat_template"));
        if (source == null) {
            return new PlainChatTemplate();
        }
        try {
            return new JinjaChatTemplate(source, tokenText(config.get("bos_token")), tokenText(config.get("eos_token")));
        } catch (MiniJinja.TemplateException e) {
            LOG.warn("{}: chat_template uses Jinja beyond what this server renders ({}); chats use the plain format", file, e.getMessage());
            return new PlainChatTemplate();
        }
    }

    /** {@code chat_template} is a string, or a list of named templates of which "default" is the one. */
    private static String templateSource(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isArray()) {
            for (JsonNode named : node) {
                if ("default".equals(named.path("name").asText())) {
                    return named.path("template").asText(null);
                }
            }
        }
        return null;
    }

    /** Special tokens appear as strings or as {@code {"content": ...}} objects. */
    private static String tokenText(JsonNode node) {
        if (node == null || node.isNull()) {
            return "";
        }
        return node.isTextual() ? node.textValue() : node.path("content").asText("");
    }
}
