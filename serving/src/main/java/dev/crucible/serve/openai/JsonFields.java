package dev.crucible.serve.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.config.FieldErrors;
import dev.crucible.config.ObjectFields;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Typed access to the fields of one JSON object, refusing wrong types and unknown names with a 400
 * that names the field, the way OpenAI reports them. The checks are {@link ObjectFields}'s, the config
 * parsers' own; {@link OpenAiWording} words their failures as OpenAI does.
 */
final class JsonFields {

    private final ObjectFields fields;
    private final String prefix;

    /** {@code prefix} is where the object is, with a trailing dot ({@code "messages[0]."}), or empty. */
    JsonFields(JsonNode node, String prefix) {
        String path = prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
        this.fields = ObjectFields.of(node, path, "an object", OpenAiWording.INSTANCE);
        this.prefix = prefix;
    }

    /** Refuses any field not in {@code known}. */
    void rejectUnknown(Set<String> known) {
        fields.rejectUnknown(known);
    }

    boolean has(String name) {
        return fields.has(name);
    }

    JsonNode raw(String name) {
        return fields.raw(name);
    }

    String requiredString(String name) {
        if (!has(name)) {
            throw OpenAiWording.INSTANCE.missing(prefix + name, null);
        }
        return string(name, null);
    }

    String string(String name, String fallback) {
        return fields.text(name).orElse(fallback);
    }

    boolean bool(String name, boolean fallback) {
        return fields.bool(name).orElse(fallback);
    }

    int integer(String name, int fallback, int min, int max) {
        return fields.wholeNumber(name, fallback, min, max);
    }

    long longInteger(String name, long fallback) {
        return fields.longNumber(name).orElse(fallback);
    }

    double number(String name, double fallback, double min, double max) {
        return fields.number(name, fallback, min, max);
    }

    /** {@code stop}: absent, one string or an array of up to {@code max} strings. */
    List<String> stringOrStrings(String name, int max) {
        if (!has(name)) {
            return List.of();
        }
        JsonNode v = fields.raw(name);
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
        JsonNode v = fields.raw(name);
        for (JsonNode n : neutral) {
            if (n.equals(v) || (n.isNumber() && v.isNumber() && n.doubleValue() == v.doubleValue())) {
                return;
            }
        }
        throw ApiException.invalid(prefix + name, "'" + prefix + name + "' = " + v + " is not supported by this server.");
    }

    ApiException wrongType(String name, String expected, JsonNode actual) {
        return OpenAiWording.INSTANCE.wrongType(prefix + name, expected, actual);
    }

    /** The checker's failures in OpenAI's words, each a 400 naming the parameter. */
    private static final class OpenAiWording implements FieldErrors {

        static final OpenAiWording INSTANCE = new OpenAiWording();

        @Override
        public ApiException invalid(String field, String problem) {
            return ApiException.invalid(field, "Invalid '" + field + "': " + problem + ".");
        }

        @Override
        public ApiException missing(String field, String hint) {
            return ApiException.invalid(field, "Missing required parameter: '" + field + "'.");
        }

        @Override
        public ApiException wrongType(String field, String expected, JsonNode actual) {
            String openAiName = switch (expected) {
                case "text" -> "a string";
                case "a whole number" -> "an integer";
                case "true or false" -> "a boolean";
                default -> expected;
            };
            return new ApiException(400, "invalid_request_error", "Invalid type for '" + field + "': expected "
                    + openAiName + ", but got " + describe(actual) + ".", field, "invalid_type");
        }

        @Override
        public ApiException outOfRange(String field, Number value, Number min, Number max) {
            return ApiException.invalid(field, "Invalid '" + field + "': " + value + " is outside " + min + ".." + max
                    + ".");
        }

        /** OpenAI names the first unrecognized argument, in the order the client sent them. */
        @Override
        public ApiException unknownKeys(String path, List<String> unknown, List<String> known, String suggestion) {
            String field = ObjectFields.join(path, unknown.getFirst());
            return new ApiException(400, "invalid_request_error", "Unrecognized request argument supplied: " + field,
                    field, "unknown_parameter");
        }
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
