package dev.crucible.serve.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.serve.openai.ApiException;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * JSON bodies and OpenAI error responses as Pekko HTTP responses: the one helper every route of the server
 * and of re-merge answers with.
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

    /**
     * The OpenAI error shape ({@code {"error":{"message","type","param","code"}}}); a 429 says when to retry.
     * A 401's challenge is added by {@link AdminAuth}, the one place that refuses credentials.
     */
    public static HttpResponse error(ApiException e) {
        HttpResponse response = json(e.status(), e.toJson());
        if (e.status() == 429) {
            response = response.addHeader(RawHeader.create("Retry-After", "1"));
        }
        return response;
    }

    static String compact(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JsonNode tree always serialises", e);
        }
    }
}
