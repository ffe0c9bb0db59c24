package dev.crucible.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompts that cannot fit are refused before they take a model slot, so they cannot starve normal requests. */
class LongPromptHttpTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private CompletableFuture<HttpResponse<String>> post(URI base, String path, String body) {
        return http.sendAsync(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertContextExceeded(HttpResponse<String> response, String param) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode error = ApiClient.json(response).get("error");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(error.get("param").asText()).isEqualTo(param);
        assertThat(error.get("message").asText()).startsWith("This model's maximum context length is 64 tokens.");
    }

    @Test
    void hugePromptsGetA400WithoutTouchingTheModelAndANormalRequestIsServedBesideThem() throws Exception {
        Files.createDirectories(dir.resolve("m"));
        // One model slot and a short queue: before, four huge prompts held the slot and the queue for minutes.
        ServeConfig config = ServeConfig.defaults().withPort(0).withAdmission(1, 2, Duration.ofSeconds(120))
                .withMaxBodyBytes(3L << 20);
        FakeModels models = new FakeModels(0);
        try (CrucibleServer server = CrucibleServer.start(config, models, dir.resolve("m"))) {
            URI base = server.baseUri();
            String twoMegabytes = "x".repeat(2 << 20);
            List<CompletableFuture<HttpResponse<String>>> huge = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                huge.add(post(base, "/v1/completions", "{\"prompt\":\"" + twoMegabytes + "\"}"));
                huge.add(post(base, "/v1/chat/completions",
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"" + twoMegabytes + "\"}],\"stream\":true}"));
            }
            HttpResponse<String> normal = post(base, "/v1/completions", "{\"prompt\":\"add 20 22 =\",\"temperature\":0}").join();
            assertThat(normal.statusCode()).as(normal.body()).isEqualTo(200);
            assertThat(ApiClient.json(normal).at("/choices/0/text").asText()).isEqualTo(" 42");
            for (int i = 0; i < huge.size(); i++) {
                assertContextExceeded(huge.get(i).join(), i % 2 == 0 ? "prompt" : "messages");
            }
            // Only the normal request and the smoke test ever reached the model.
            assertThat(models.loaded().getFirst().callCount()).isEqualTo(2);
            String metrics = new ApiClient(base).get("/metrics").body();
            assertThat(metrics).doesNotContain("crucible_admission_rejected_total{reason=\"queue_full\"}");
        }
    }

    @Test
    void aPromptJustOverTheContextIsCountedAndNamesTheNumbers() throws Exception {
        Files.createDirectories(dir.resolve("m"));
        ServeConfig config = ServeConfig.defaults().withPort(0);
        try (CrucibleServer server = CrucibleServer.start(config, new FakeModels(0), dir.resolve("m"))) {
            HttpResponse<String> response = post(server.baseUri(), "/v1/completions",
                    "{\"prompt\":\"" + "y".repeat(60) + "\",\"max_tokens\":10}").join();
            assertContextExceeded(response, "max_tokens");
            assertThat(ApiClient.json(response).at("/error/message").asText()).contains("you requested 71 tokens (61 in the prompt, 10 for the completion)");
        }
    }
}
