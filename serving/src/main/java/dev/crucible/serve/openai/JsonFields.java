package dev.crucible.serve.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Typed access to the fields of one JSON object, refusing wrong types and unknown names with a 400
 * that names the field, the way OpenAI reports them.
 */
final class JsonFields {

    private final JsonNode node;
    private final String prefix;

    JsonFields(JsonNode node, String prefix) {
        this.node = node;
        this.prefix = prefix;
    }

    /** Refuses any field not in {@code known}. */
    void rejectUnknown(Set<String> known) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new ApiException(400, "invalid_request_error",
                        "Unrecognized request argument supplied: " + prefix + name, prefix + name, "unknown_parameter");
            }
        }
    }

    boolean has(String name) {
        JsonNode v = node.get(name);
        return v != null && !v.isNull();
    }

    JsonNode raw(String name) {
        return node.get(name);
    }

    String requiredString(String name) {
        if (!has(name)) {
            throw ApiException.invalid(prefix + name, "Missing required parameter: '" + prefix + name + "'.");
        }
        return string(name, null);
    }

    String string(String name, String fallback) {
        if (!has(name)) {
            return fallback;
        }
        JsonNode v = node.get(name);
        if (!v.isTextual()) {
            throw wrongType(name, "a string", v);
        }
        return v.textValue();
    }

    boolean bool(String name, boolean fallback) {
        if (!has(name)) {
            return fallback;
        }
        JsonNode v = node.get(name);
        if (!v.isBoolean()) {
            throw wrongType(name, "a boolean", v);
        }
        return v.booleanValue();
    }

    int integer(String name, int fallback, int min, int max) {
        if (!has(name)) {
            return fallback;
        }
        JsonNode v = node.get(name);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw wrongType(name, "an integer", v);
        }
        int value = v.intValue();
        if (value < min || value > max) {
            throw ApiException.invalid(prefix + name,
                    "Invalid '" + prefix + name + "': " + value + " is outside " + min + ".." + max + ".");
        }
        return value;
    }

    long longInteger(String name, long fallback) {
        if (!has(name)) {
            return fallback;
        }
        JsonNode v = node.get(name);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw wrongType(name, "an integer", v);
        }
        return v.longValue();
    }

    double number(String name, double fallback, double min, double max) {
        if (!has(name)) {
            return fallback;
        }
        JsonNode v = node.get(name);
        if (!v.isNumber()) {
            throw wrongType(name, "a number", v);
        }
        double value = v.doubleValue();
        if (!(value >= min && value <= max)) {
            throw ApiException.invalid(prefix + name,
                    "Invalid '" + prefix + name + "': " + value + " is outside " + min + ".." + max + ".");
        }
        return value;
    }

    /** {@code stop}: absent, one string or an array of up to {@code max} strings. */
    List<String> stringOrStrings(String name, int max) {
        if (!has(name)) {
            return List.of();
        }
        JsonNode v = node.get(name);
        if (v.isTextual()) {
            return List.of(v.textValue());
        }
        if (!v.isArray()) {
            throw wrongType(name, "a string or an array of strings", v);
        }
        if (v.size() > max) {
            throw ApiException.invalid(prefix + name, "Invalid '" + prefix + name + "': at most " + max + " entries, got " + v.size() + ".");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : v) {
            if (!item.isTextual()) {
                throw wrongType(name, "a string or an array of strings", v);
            }
            out.add(item.textValue());
        }
        return List.copyOf(out);
    }

    /** A field OpenAI defines but this server only supports at its neutral value. */
    void onlyNeutral(String name, JsonNode... neutral) {
        if (!has(name)) {
            return;
        }
        JsonNode v = node.get(name);
        for (JsonNode n : neutral) {
            if (n.equals(v) || (n.isNumber() && v.isNumber() && n.doubleValue() == v.doubleValue())) {
                return;
            }
        }
        throw ApiException.invalid(prefix + name, "'" + prefix + name + "' = " + v + " is not supported by this server.");
    }

    ApiException wrongType(String name, String expected, JsonNode actual) {
        return new ApiException(400, "invalid_request_error",
                "Invalid type for '" + prefix + name + "': expected " + expected + ", but got " + describe(actual) + ".",
                prefix + name, "invalid_type");
    }

    private static String describe(JsonNode v) {
        if (v.isTextual()) {
            return "a string";
        }
        if (v.isIntegralNumber()) {
            return "an integer";
        }
        if (v.isNumber()) {
            return "a decimal";
        }
        if (v.isBoolean()) {
            return "a boolean";
        }
        if (v.isArray()) {
            return "an array";
        }
        if (v.isObject()) {
            return "an object";
        }
        return "null";
    }
}
