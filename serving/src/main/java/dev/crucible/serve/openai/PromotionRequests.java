package dev.crucible.serve.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Set;

/**
 * Reads the body of {@code POST /admin/promote} ({@code {"path": ...}}) with the same field rules and
 * OpenAI-shaped errors as the OpenAI bodies, so an admin client sees the same kind of 400.
 */
public final class PromotionRequests {

    private PromotionRequests() {}

    /** The checkpoint folder to promote; a 400 naming {@code path} when it is missing, not a string or not a path. */
    public static Path path(JsonNode body) {
        JsonFields f = OpenAiRequests.object(body);
        f.rejectUnknown(Set.of("path"));
        try {
            return Path.of(f.requiredString("path"));
        } catch (InvalidPathException e) {
            throw ApiException.invalid("path", "Invalid 'path': " + e.getMessage() + ".");
        }
    }
}
