package dev.crucible.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * Checked, typed access to the fields of one mapping (a YAML mapping or a JSON object) at a path such as
 * {@code cluster.tls}: unknown keys, required fields, types and ranges, each failure thrown through the
 * caller's {@link FieldErrors} with the field's full path. An absent key and an explicit {@code null} are the
 * same (YAML's {@code key:} with no value is null).
 */
public final class ObjectFields {

    private final JsonNode node;
    private final String path;
    private final FieldErrors errors;

    private ObjectFields(JsonNode node, String path, FieldErrors errors) {
        this.node = node;
        this.path = path;
        this.errors = errors;
    }

    /**
     * The fields of {@code node}, which must be a mapping; {@code shape} describes one for the error
     * ({@code "a mapping {host, port}"}). {@code path} is where the mapping is, empty for the document.
     */
    public static ObjectFields of(JsonNode node, String path, String shape, FieldErrors errors) {
        if (node == null || !node.isObject()) {
            throw errors.wrongType(path, shape, node);
        }
        return new ObjectFields(node, path, errors);
    }

    /** {@code key} under {@code path}: {@code serve.port}, or {@code port} at the top. */
    public static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The path of {@code key} in this mapping, for messages. */
    public String field(String key) {
        return join(path, key);
    }

    /** Where this mapping is. */
    public String path() {
        return path;
    }

    /** The mapping itself. */
    public JsonNode node() {
        return node;
    }

    /** How this mapping's failures are thrown, for checks only its parser knows. */
    public FieldErrors errors() {
        return errors;
    }

    /** A failure of {@code key} in the caller's wording: {@code invalid("limit", "...")}. */
    public RuntimeException invalid(String key, String problem) {
        return errors.invalid(field(key), problem);
    }

    /**
     * Refuses keys outside {@code known}, naming the closest known key when one unknown key looks misspelt.
     * A list keeps its order in the message (the order the documentation gives); other collections are sorted.
     */
    public ObjectFields rejectUnknown(Collection<String> known) {
        List<String> unknown = new ArrayList<>();
        node.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k)) {
                unknown.add(k);
            }
        });
        if (!unknown.isEmpty()) {
            List<String> listed = known instanceof List<String> list ? list : List.copyOf(new TreeSet<>(known));
            String suggestion = unknown.size() == 1 ? ClosestName.of(unknown.getFirst(), known) : null;
            throw errors.unknownKeys(path, unknown, listed, suggestion);
        }
        return this;
    }

    /** Whether {@code key} is present and not null. */
    public boolean has(String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    /** The value of {@code key} as it is, or null. */
    public JsonNode raw(String key) {
        return node.get(key);
    }

    /** A string value (JSON text only). */
    public Optional<String> text(String key) {
        if (!has(key)) {
            return Optional.empty();
        }
        JsonNode v = node.get(key);
        if (!v.isTextual()) {
            throw errors.wrongType(field(key), "text", v);
        }
        return Optional.of(v.textValue());
    }

    /**
     * A name or path written as a YAML scalar: text, or a number read as text ({@code name: 2024}), trimmed;
     * an empty one is refused.
     */
    public Optional<String> scalarText(String key) {
        if (!has(key)) {
            return Optional.empty();
        }
        JsonNode v = node.get(key);
        if (!v.isTextual() && !v.isNumber()) {
            throw errors.wrongType(field(key), "text", v);
        }
        String text = v.asText().trim();
        if (text.isEmpty()) {
            throw errors.invalid(field(key), "is empty");
        }
        return Optional.of(text);
    }

    /** A non-blank string, trimmed; absent, null or blank is {@link FieldErrors#missing}. */
    public String requiredText(String key, String hint) {
        Optional<String> text = text(key);
        if (text.isEmpty() || text.get().isBlank()) {
            throw errors.missing(field(key), hint);
        }
        return text.get().trim();
    }

    /** {@code true} or {@code false}. */
    public Optional<Boolean> bool(String key) {
        if (!has(key)) {
            return Optional.empty();
        }
        JsonNode v = node.get(key);
        if (!v.isBoolean()) {
            throw errors.wrongType(field(key), "true or false", v);
        }
        return Optional.of(v.booleanValue());
    }

    /** A whole number within int range. */
    public OptionalInt wholeNumber(String key) {
        if (!has(key)) {
            return OptionalInt.empty();
        }
        JsonNode v = node.get(key);
        // canConvertToInt: a value beyond int range must not wrap (4294967298 would read as 2)
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw errors.wrongType(field(key), "a whole number", v);
        }
        return OptionalInt.of(v.intValue());
    }

    /** A whole number in [min, max], or {@code fallback} when absent. */
    public int wholeNumber(String key, int fallback, int min, int max) {
        OptionalInt value = wholeNumber(key);
        if (value.isEmpty()) {
            return fallback;
        }
        if (value.getAsInt() < min || value.getAsInt() > max) {
            throw errors.outOfRange(field(key), value.getAsInt(), min, max);
        }
        return value.getAsInt();
    }

    /** A whole number within long range. */
    public OptionalLong longNumber(String key) {
        if (!has(key)) {
            return OptionalLong.empty();
        }
        JsonNode v = node.get(key);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw errors.wrongType(field(key), "a whole number", v);
        }
        return OptionalLong.of(v.longValue());
    }

    /** A finite number (whole or not). */
    public OptionalDouble number(String key) {
        if (!has(key)) {
            return OptionalDouble.empty();
        }
        JsonNode v = node.get(key);
        if (!v.isNumber()) {
            throw errors.wrongType(field(key), "a number", v);
        }
        if (!Double.isFinite(v.doubleValue())) {
            throw errors.wrongType(field(key), "a finite number", v);
        }
        return OptionalDouble.of(v.doubleValue());
    }

    /** A number in [min, max], or {@code fallback} when absent. */
    public double number(String key, double fallback, double min, double max) {
        OptionalDouble value = number(key);
        if (value.isEmpty()) {
            return fallback;
        }
        if (!(value.getAsDouble() >= min && value.getAsDouble() <= max)) {
            throw errors.outOfRange(field(key), value.getAsDouble(), min, max);
        }
        return value.getAsDouble();
    }

    /** A list of non-blank strings; a single string is a list of one. */
    public Optional<List<String>> textList(String key, String expected) {
        if (!has(key)) {
            return Optional.empty();
        }
        JsonNode v = node.get(key);
        List<String> out = new ArrayList<>();
        for (JsonNode item : v.isArray() ? v : List.of(v)) {
            if (!item.isTextual() || item.textValue().isBlank()) {
                throw errors.wrongType(field(key), expected, item);
            }
            out.add(item.textValue());
        }
        return Optional.of(List.copyOf(out));
    }

    /** The nested mapping at {@code key}; {@code shape} describes one for the error. */
    public Optional<ObjectFields> object(String key, String shape) {
        return has(key) ? Optional.of(of(node.get(key), field(key), shape, errors)) : Optional.empty();
    }
}
