package dev.crucible.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/** JSON bodies and OpenAI error responses as Pekko HTTP responses. */
final class HttpResponses {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private HttpResponses() {}

    static HttpResponse json(int status, JsonNode body) {
        try {
            return HttpResponse.create()
                    .withStatus(status)
                    .withEntity(ContentTypes.APPLICATION_JSON, MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JsonNode tree always serialises", e);
        }
    }

    /** The OpenAI error shape; 429 says when to retry, 401 which scheme to use. */
    static HttpResponse error(ApiException e) {
        HttpResponse response = json(e.status(), e.toJson());
        if (e.status() == 429) {
            response = response.addHeader(RawHeader.create("Retry-After", "1"));
        }
        if (e.status() == 401) {
            response = response.addHeader(RawHeader.create("WWW-Authenticate", "Bearer"));
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
