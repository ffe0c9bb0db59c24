package dev.crucible.serve.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.error.CrucibleException;
import dev.crucible.recipe.NamedChatTemplates;
import dev.crucible.serve.openai.ApiException;
import dev.crucible.serve.openai.ChatMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Picks a model's chat template, as transformers finds it: {@code chat_template} in
 * {@code tokenizer_config.json} (a string, or the list entry named "default"), else
 * {@code chat_template.jinja}, else {@code chat_template.json}; or the {@code --chat-template} file when
 * given. The template is proved at load time by rendering a user turn and a user/assistant/user
 * conversation: one that cannot render them stops the load with one line naming the file. Only a
 * model with no template at all gets {@link PlainChatTemplate}.
 */
public final class ChatTemplates {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final List<String> SPECIAL_TOKENS = List.of("bos_token", "eos_token", "unk_token", "pad_token",
            "sep_token", "cls_token", "mask_token");

    private ChatTemplates() {}

    /** The model's own template, or the plain format when it has none. */
    public static ChatTemplate forModelDir(Path dir) {
        return forModelDir(dir, Optional.empty());
    }

    /** {@code override} (the {@code --chat-template} file) replaces the model's own template. */
    public static ChatTemplate forModelDir(Path dir, Optional<Path> override) {
        JsonNode config = readConfig(dir.resolve("tokenizer_config.json"));
        Map<String, String> tokens = specialTokens(config);
        if (override.isPresent()) {
            Path file = override.get();
            return prove(file + " (--chat-template)", readOverride(file), tokens);
        }
        String fromConfig = NamedChatTemplates.fromJson(config.get("chat_template"));
        if (fromConfig != null) {
            return prove(dir.resolve("tokenizer_config.json") + ": chat_template", fromConfig, tokens);
        }
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            return prove(jinja.toString(), read(jinja), tokens);
        }
        Path json = dir.resolve("chat_template.json");
        if (Files.isRegularFile(json)) {
            String source = NamedChatTemplates.fromJson(readConfig(json).get("chat_template"));
            if (source == null) {
                throw new CrucibleException(json + ": has no \"chat_template\" string; fix the file or pass --chat-template FILE");
            }
            return prove(json + ": chat_template", source, tokens);
        }
        return new PlainChatTemplate();
    }

    /** The text of a {@code --chat-template} file, parsed once so a broken file fails before anything starts. */
    public static String readOverride(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CrucibleException("--chat-template " + file + ": no such file; give a Jinja chat template file");
        }
        String source = read(file);
        try {
            new TransformersChatTemplate(source, Map.of());
        } catch (TemplateRenderException e) {
            throw new CrucibleException("--chat-template " + file + ": not a valid Jinja template (" + oneLine(e.getMessage()) + ")");
        }
        return source;
    }

    private static ChatTemplate prove(String where, String source, Map<String, String> tokens) {
        String advice = "; fix the template or serve the model with --chat-template FILE";
        try {
            JinjaChatTemplate template = new JinjaChatTemplate(new TransformersChatTemplate(source, tokens));
            template.render(List.of(new ChatMessage("user", "Hello")), true);
            template.render(List.of(new ChatMessage("user", "Hello"), new ChatMessage("assistant", "Hi"),
                    new ChatMessage("user", "Bye")), true);
            return template;
        } catch (TemplateRenderException | TemplateRaisedException e) {
            throw new CrucibleException(where + " cannot be rendered (" + oneLine(e.getMessage()) + ")" + advice);
        } catch (ApiException e) {
            throw new CrucibleException(where + " cannot render a plain user/assistant conversation ("
                    + oneLine(e.getMessage()) + ")" + advice);
        }
    }

    private static String oneLine(String s) {
        return String.valueOf(s).replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }

    private static JsonNode readConfig(Path file) {
        if (!Files.isRegularFile(file)) {
            return MAPPER.createObjectNode();
        }
        try {
            return MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new CrucibleException(file + ": not valid JSON (" + oneLine(e.getMessage()) + ")", e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }


    /** The special tokens transformers passes to templates; each is a string or a {@code {"content": ...}} object. */
    private static Map<String, String> specialTokens(JsonNode config) {
        Map<String, String> tokens = new HashMap<>();
        for (String name : SPECIAL_TOKENS) {
            JsonNode node = config.get(name);
            if (node == null || node.isNull()) {
                continue;
            }
            String text = node.isTextual() ? node.textValue() : node.path("content").asText(null);
            if (text != null) {
                tokens.put(name, text);
            }
        }
        return tokens;
    }
}
