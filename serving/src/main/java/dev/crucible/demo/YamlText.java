package dev.crucible.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;

/** Quoting for the YAML files the demo writes: a JSON string is a valid YAML scalar whatever the path holds. */
final class YamlText {

    private static final ObjectMapper JSON = new ObjectMapper();

    private YamlText() {
    }

    /** {@code path}, absolute, as a double-quoted scalar. */
    static String quote(Path path) {
        return quote(path.toAbsolutePath().normalize().toString());
    }

    /** {@code text} as a double-quoted scalar. */
    static String quote(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a string always serialises", e);
        }
    }
}
