package dev.crucible.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.error.CrucibleException;

import java.util.List;

/**
 * How {@link ObjectFields} words and throws a problem with one field. The defaults are the wording of config
 * files ({@code FIELD: expected a whole number, got "x"}); {@link #inFile} prefixes the file. A different
 * audience (the HTTP server, which answers in OpenAI's words with a 400) overrides each kind of problem.
 */
@FunctionalInterface
public interface FieldErrors {

    /** Any problem with {@code field} (a path such as {@code tasks[1].limit}; empty for the whole document). */
    RuntimeException invalid(String field, String problem);

    /** Config-file errors: {@code ORIGIN: FIELD: PROBLEM}, or {@code FIELD: PROBLEM} when origin is empty. */
    static FieldErrors inFile(String origin) {
        String prefix = origin == null || origin.isEmpty() ? "" : origin + ": ";
        return (field, problem) -> new CrucibleException(prefix + (field.isEmpty() ? "" : field + ": ") + problem);
    }

    /** A required field is absent (or null); {@code hint} says what to give, or is null. */
    default RuntimeException missing(String field, String hint) {
        return invalid(field, hint == null ? "missing" : "missing; " + hint);
    }

    /** The value has the wrong JSON type; {@code expected} names the right one ("a whole number"). */
    default RuntimeException wrongType(String field, String expected, JsonNode actual) {
        return invalid(field, "expected " + expected + ", got " + actual);
    }

    /** A number outside [min, max]; an unbounded side is given as the type's extreme value. */
    default RuntimeException outOfRange(String field, Number value, Number min, Number max) {
        boolean noMin = isExtreme(min);
        boolean noMax = isExtreme(max);
        String allowed = noMax ? "at least " + min : noMin ? "at most " + max : "in [" + min + ", " + max + "]";
        return invalid(field, "must be " + allowed + ", got " + value);
    }

    /**
     * Keys a mapping does not know. {@code unknown} is in document order, {@code known} in the order to list
     * them; {@code suggestion} is the known key closest to the only unknown one, or null.
     */
    default RuntimeException unknownKeys(String path, List<String> unknown, List<String> known, String suggestion) {
        List<String> fields = unknown.stream().sorted().map(k -> ObjectFields.join(path, k)).toList();
        return invalid(String.join(", ", fields), "unknown key" + (unknown.size() > 1 ? "s" : "")
                + (suggestion == null ? "; known keys" : "; did you mean '" + suggestion + "'? known keys")
                + (path.isEmpty() ? "" : " of " + path) + " are " + String.join(", ", known));
    }

    private static boolean isExtreme(Number n) {
        double d = n.doubleValue();
        return Double.isInfinite(d) || n.equals(Integer.MAX_VALUE) || n.equals(Integer.MIN_VALUE)
                || n.equals(Long.MAX_VALUE) || n.equals(Long.MIN_VALUE)
                || d == Double.MAX_VALUE || d == -Double.MAX_VALUE;
    }
}
