package dev.crucible.serve.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.serve.openai.ApiException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * JSON bodies, OpenAI error responses and bearer-token checks as Pekko HTTP responses: the one helper
 * every route of the server answers errors with.
 */
public final class HttpResponses {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private HttpResponses() {}

    public static HttpResponse json(int status, JsonNode body) {
        try {
            return HttpResponse.create()
                    .withStatus(status)
                    .withEntity(ContentTypes.APPLICATION_JSON, MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JsonNode tree always serialises", e);
        }
    }

    /** The OpenAI error shape; 429 says when to retry, 401 which scheme to use. */
    public static HttpResponse error(ApiException e) {
        HttpResponse response = json(e.status(), e.toJson());
        if (e.status() == 429) {
            response = response.addHeader(RawHeader.create("Retry-After", "1"));
        }
        if (e.status() == 401) {
            response = response.addHeader(RawHeader.create("WWW-Authenticate", "Bearer"));
        }
        return response;
    }

    /** Whether {@code authorization} (the header's value, if sent) is {@code Bearer <token>}, compared in constant time. */
    public static boolean bearerMatches(Optional<String> authorization, String token) {
        if (authorization.isEmpty() || !authorization.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = authorization.get().substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token.getBytes(StandardCharsets.UTF_8));
    }

    static String compact(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JsonNode tree always serialises", e);
        }
    }
}
