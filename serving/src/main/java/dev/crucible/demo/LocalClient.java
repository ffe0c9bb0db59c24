package dev.crucible.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Talks to the demo's own service over HTTP, as the printed curl commands would. */
final class LocalClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    LocalClient(URI base) {
        this.base = base;
    }

    /** The greedy completion of {@code prompt} from {@code POST /v1/completions}. */
    String complete(String prompt, int maxTokens) {
        String body = JSON.createObjectNode().put("prompt", prompt).put("max_tokens", maxTokens).put("temperature", 0)
                .toString();
        JsonNode answer = send(HttpRequest.newBuilder(base.resolve("/v1/completions")).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        return answer.path("choices").path(0).path("text").asText();
    }

    /** The served model's version from {@code GET /v1/models}, e.g. {@code v1}. */
    String servedVersion() {
        JsonNode models = send(HttpRequest.newBuilder(base.resolve("/v1/models")).timeout(TIMEOUT).GET().build());
        return models.path("data").path(0).path("version").asText("?");
    }

    private JsonNode send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new CrucibleException(request.method() + " " + request.uri() + " answered " + response.statusCode()
                        + ": " + response.body().strip());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new CrucibleException(request.method() + " " + request.uri() + " failed (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrucibleException(request.method() + " " + request.uri() + " interrupted", e);
        }
    }
}
