package dev.crucible.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.error.CrucibleException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The recipe's {@code chat_template:} as mergekit reads it ({@code mergekit/merge.py}, {@code _set_chat_template}):
 * one of mergekit's template names ({@code alpaca}, {@code chatml}, {@code exaone}, {@code llama3},
 * {@code mistral}), {@code auto} (the template most input models share), or a literal Jinja template; anything
 * else (shorter than 20 characters or without a {@code {}) is refused, as mergekit refuses it.
 *
 * <p>The named templates are Crucible's own renderings of those chat formats (resources beside this class):
 * they produce the format each name stands for, without the stray newlines and indentation that mergekit's
 * template files leave between turns when rendered.
 */
public final class NamedChatTemplates {

    /** mergekit's template names, sorted. */
    public static final List<String> NAMES = List.of("alpaca", "chatml", "exaone", "llama3", "mistral");
    /** The setting that picks the most common template of the inputs. */
    public static final String AUTO = "auto";

    private static final ObjectMapper JSON = new ObjectMapper();

    private NamedChatTemplates() {
    }

    /** Checks a {@code chat_template:} value before any model is opened. */
    public static void check(String setting) {
        if (setting == null || setting.equals(AUTO) || NAMES.contains(setting)) {
            return;
        }
        if (setting.length() < 20 || !setting.contains("{")) {
            throw new CrucibleException("chat_template: unknown template '" + oneLine(setting) + "'; known names: "
                    + String.join(", ", NAMES) + ", auto (the template most inputs share), or a Jinja template");
        }
    }

    /**
     * The Jinja text to store for {@code setting}: a named template's text, the literal template, or for
     * {@code auto} the template most of {@code models} carry (stripped, as mergekit compares them; the first of
     * equally common ones in recipe order), null when none has one.
     */
    public static String resolve(String setting, List<Path> models) {
        check(setting);
        if (setting == null) {
            return null;
        }
        if (setting.equals(AUTO)) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (Path model : models) {
                String template = templateOf(model);
                if (template != null && !template.isBlank()) {
                    counts.merge(template.strip(), 1, Integer::sum);
                }
            }
            String best = null;
            int bestCount = 0;
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                if (e.getValue() > bestCount) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            return best;
        }
        return NAMES.contains(setting) ? text(setting) : setting;
    }

    /** The text of a named template. */
    public static String text(String name) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("no chat template named " + name);
        }
        try (InputStream in = NamedChatTemplates.class.getResourceAsStream("chat-templates/" + name + ".jinja")) {
            if (in == null) {
                throw new IllegalStateException("chat template resource missing: " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A model folder's chat template as transformers loads it: {@code chat_template.jinja}, else
     * {@code chat_template.json}, else {@code tokenizer_config.json}'s {@code chat_template} (a string, or a
     * list of named templates of which {@code default} is the one); null when it has none.
     */
    static String templateOf(Path model) {
        try {
            Path jinja = model.resolve("chat_template.jinja");
            if (Files.isRegularFile(jinja)) {
                return Files.readString(jinja);
            }
            for (String file : List.of("chat_template.json", "tokenizer_config.json")) {
                Path path = model.resolve(file);
                if (Files.isRegularFile(path)) {
                    String template = fromJson(JSON.readTree(path.toFile()).get("chat_template"));
                    if (template != null) {
                        return template;
                    }
                }
            }
            return null;
        } catch (IOException e) {
            throw new CrucibleException(model + ": cannot read its chat template for chat_template: auto ("
                    + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
    }

    /**
     * The template of a {@code chat_template} field of {@code tokenizer_config.json}: the string itself, or from a
     * list of named templates (as transformers saves several) the one named "default"; null when there is none.
     */
    public static String fromJson(JsonNode node) {
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

    private static String oneLine(String s) {
        String line = s.lines().findFirst().orElse("");
        return line.length() > 40 ? line.substring(0, 40) + "..." : line;
    }
}
