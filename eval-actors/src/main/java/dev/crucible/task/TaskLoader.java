package dev.crucible.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Reads a task file. JSONL: one object per line, the kind decided by its fields ({@code prompt +
 * answer}, {@code prompt + choices + label}, {@code text}), an optional {@code image} PNG path relative
 * to the file; every line must be the same kind. A {@code .txt} file is a perplexity task, one text per
 * non-blank line. Every problem is reported as {@code file:line: what is wrong}.
 */
public final class TaskLoader {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TaskLoader() {
    }

    /** Loads and validates the whole task. */
    public static Task load(TaskSpec spec) {
        Path path = spec.path();
        if (!Files.isRegularFile(path)) {
            throw new CrucibleException("task " + spec.name() + ": file " + path + " not found");
        }
        if (spec.maxNewTokens() != null && spec.maxNewTokens() < 1) {
            throw new CrucibleException("task " + spec.name() + ": max new tokens must be at least 1, got " + spec.maxNewTokens());
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CrucibleException("task " + spec.name() + ": cannot read " + path + " (" + e.getMessage() + ")", e);
        }
        boolean plainText = path.getFileName().toString().endsWith(".txt");
        TaskKind kind = plainText ? TaskKind.PERPLEXITY : null;
        List<TaskItem> items = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            Location at = new Location(path, i + 1);
            TaskItem item = plainText ? new TextItem(at.line, line, null) : parse(line, at);
            TaskKind itemKind = kindOf(item);
            if (kind == null) {
                kind = itemKind;
            } else if (kind != itemKind) {
                throw at.error("item is " + itemKind.shape() + " but earlier items are " + kind.shape()
                        + "; one task file holds one kind of item");
            }
            items.add(item);
        }
        if (items.isEmpty()) {
            throw new CrucibleException(path + ": no items (the task file is empty)");
        }
        if (spec.extract() != null) {
            if (kind != TaskKind.GENERATION) {
                throw new CrucibleException("task " + spec.name() + ": --extract applies to {prompt, answer} tasks, but "
                        + path + " holds " + kind.shape() + " items");
            }
            ExactMatchScorer.of(spec.extract());
        }
        return new Task(spec, kind, items);
    }

    private static TaskKind kindOf(TaskItem item) {
        return switch (item) {
            case GenerationItem g -> TaskKind.GENERATION;
            case ChoiceItem c -> TaskKind.CHOICE;
            case TextItem t -> TaskKind.PERPLEXITY;
        };
    }

    private static TaskItem parse(String line, Location at) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw at.error("not valid JSON (" + e.getOriginalMessage().lines().findFirst().orElse("") + ")");
        }
        if (node == null || !node.isObject()) {
            throw at.error("expected a JSON object, found " + (node == null ? "nothing" : node.getNodeType().name().toLowerCase()));
        }
        Path image = image(node, at);
        if (node.has("text")) {
            return new TextItem(at.line, string(node, "text", at), image);
        }
        if (node.has("choices") || node.has("label")) {
            String prompt = string(node, "prompt", at);
            List<String> choices = choices(node, at);
            JsonNode label = node.get("label");
            if (label == null || !label.canConvertToExactIntegral() || !label.isNumber()) {
                throw at.error("field 'label' must be an integer index into 'choices'");
            }
            int index = label.asInt();
            if (index < 0 || index >= choices.size()) {
                throw at.error("label " + index + " is outside the " + choices.size() + " choices (0.." + (choices.size() - 1) + ")");
            }
            return new ChoiceItem(at.line, prompt, choices, index, image);
        }
        if (node.has("prompt") || node.has("answer")) {
            return new GenerationItem(at.line, string(node, "prompt", at), string(node, "answer", at), image);
        }
        List<String> fields = new ArrayList<>();
        node.fieldNames().forEachRemaining(fields::add);
        throw at.error("expected fields {prompt, answer}, {prompt, choices, label} or {text}, found " + fields);
    }

    private static String string(JsonNode node, String field, Location at) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw at.error("missing field '" + field + "'");
        }
        if (!value.isTextual()) {
            throw at.error("field '" + field + "' must be a string, found " + value.getNodeType().name().toLowerCase());
        }
        return value.textValue();
    }

    private static List<String> choices(JsonNode node, Location at) {
        JsonNode value = node.get("choices");
        if (value == null || !value.isArray() || value.isEmpty()) {
            throw at.error("field 'choices' must be a non-empty array of strings");
        }
        List<String> choices = new ArrayList<>();
        for (Iterator<JsonNode> it = value.elements(); it.hasNext(); ) {
            JsonNode choice = it.next();
            if (!choice.isTextual()) {
                throw at.error("field 'choices' must hold only strings, found " + choice.getNodeType().name().toLowerCase());
            }
            choices.add(choice.textValue());
        }
        return choices;
    }

    private static Path image(JsonNode node, Location at) {
        if (!node.has("image")) {
            return null;
        }
        String relative = string(node, "image", at);
        Path dir = at.file.toAbsolutePath().getParent();
        Path resolved = dir.resolve(relative).normalize();
        if (!Files.isRegularFile(resolved)) {
            throw at.error("image " + relative + " not found (looked for " + resolved + ")");
        }
        return resolved;
    }

    /** A line of a task file, for messages. */
    private record Location(Path file, int line) {
        CrucibleException error(String what) {
            return new CrucibleException(file + ":" + line + ": " + what);
        }
    }
}
