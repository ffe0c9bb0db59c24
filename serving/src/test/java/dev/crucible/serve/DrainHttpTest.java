package dev.crucible.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shutdown (what SIGTERM runs) turns /ready to 503 first, refuses new work with 503, and lets running
 * requests and SSE streams finish to their last byte.
 */
class DrainHttpTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private HttpRequest post(URI base, String path, String body) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    @Test
    void streamsAndRequestsRunningAtShutdownFinishWhileNewWorkIs503() throws Exception {
        Files.createDirectories(dir.resolve("slow"));
        ServeConfig config = ServeConfig.defaults().withPort(0).withDrainTimeout(Duration.ofSeconds(60));
        // 60 ms per token: the 32-token answers below take ~2 s, long enough to look at the server while it drains.
        CrucibleServer server = CrucibleServer.start(config, new FakeModels(60), dir.resolve("slow"));
        URI base = server.baseUri();
        ApiClient api = new ApiClient(base);
        String prompt = "abcdefghijklmnopqrstuvwxyz01234";
        HttpResponse<InputStream> stream = http.send(post(base, "/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}],\"max_tokens\":32,\"stream\":true}"),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        BufferedReader events = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        lines.add(events.readLine());
        CompletableFuture<HttpResponse<String>> plain = http.sendAsync(post(base, "/v1/completions",
                "{\"prompt\":\"" + prompt + "\",\"max_tokens\":32}"), HttpResponse.BodyHandlers.ofString());
        awaitMetric(api, "crucible_admission_in_flight 2");

        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(server::close);
        awaitStatus(api, "/ready", 503);
        assertThat(ApiClient.json(api.get("/ready")).get("status").asText()).isEqualTo("draining");
        HttpResponse<String> refused = api.post("/v1/completions", "{\"prompt\":\"add 1 1 =\"}");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(ApiClient.json(refused).at("/error/code").asText()).isEqualTo("shutting_down");

        for (String line = events.readLine(); line != null; line = events.readLine()) {
            lines.add(line);
        }
        List<JsonNode> parsed = ApiClient.events(String.join("\n", lines) + "\n");
        assertThat(parsed.getLast()).as("the stream ends with [DONE]").isNull();
        String text = parsed.stream().filter(Objects::nonNull).map(e -> e.at("/choices/0/delta/content").asText(""))
                .collect(Collectors.joining());
        assertThat(text).as("every token arrived").hasSize(prompt.length() + 1);
        HttpResponse<String> finished = plain.join();
        assertThat(finished.statusCode()).as(finished.body()).isEqualTo(200);
        assertThat(ApiClient.json(finished).at("/choices/0/text").asText()).hasSize(prompt.length() + 1);
        shutdown.get();
    }

    private static void awaitMetric(ApiClient api, String line) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            if (api.get("/metrics").body().contains(line)) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the server never showed " + line);
    }

    private static void awaitStatus(ApiClient api, String path, int status) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            if (api.get(path).statusCode() == status) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError(path + " never answered " + status);
    }
}
