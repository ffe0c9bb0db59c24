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
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bounded work over HTTP: 429 past the queue, 504 past the deadline, and draining on shutdown. */
class AdmissionHttpTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    private CompletableFuture<HttpResponse<String>> ask(URI base, String prompt) {
        return http.sendAsync(HttpRequest.newBuilder(base.resolve("/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"" + prompt + "\",\"max_tokens\":20}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitInFlight(CrucibleServer server, ApiClient api, int queued) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < until) {
            String metrics = api.get("/metrics").body();
            if (metrics.contains("crucible_admission_in_flight 1") && metrics.contains("crucible_admission_queue_depth " + queued)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the server never reached 1 running and " + queued + " queued");
    }

    @Test
    void beyondTheQueueTheServerAnswers429WithRetryAfter() throws Exception {
        Files.createDirectories(dir.resolve("slow"));
        ServeConfig config = ServeConfig.defaults().withPort(0).withAdmission(1, 1, Duration.ofSeconds(20));
        try (CrucibleServer server = CrucibleServer.start(config, new FakeModels(150), dir.resolve("slow"))) {
            ApiClient api = new ApiClient(server.baseUri());
            CompletableFuture<HttpResponse<String>> running = ask(server.baseUri(), "abcdefghij");
            awaitInFlight(server, api, 0);
            CompletableFuture<HttpResponse<String>> queued = ask(server.baseUri(), "abc");
            awaitInFlight(server, api, 1);
            HttpResponse<String> refused = ask(server.baseUri(), "xyz").join();
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            JsonNode error = ApiClient.json(refused).get("error");
            assertThat(error.get("type").asText()).isEqualTo("rate_limit_error");
            assertThat(running.join().statusCode()).isEqualTo(200);
            assertThat(queued.join().statusCode()).isEqualTo(200);
            assertThat(api.get("/metrics").body()).contains("crucible_admission_rejected_total{reason=\"queue_full\"} 1.0");
        }
    }

    @Test
    void aRequestPastItsDeadlineGets504AndFreesTheModel() throws Exception {
        Files.createDirectories(dir.resolve("slow"));
        ServeConfig config = ServeConfig.defaults().withPort(0).withAdmission(1, 4, Duration.ofMillis(700));
        try (CrucibleServer server = CrucibleServer.start(config, new FakeModels(50), dir.resolve("slow"))) {
            HttpResponse<String> late = ask(server.baseUri(), "x".repeat(30)).join();
            assertThat(late.statusCode()).as(late.body()).isEqualTo(504);
            assertThat(ApiClient.json(late).at("/error/type").asText()).isEqualTo("timeout_error");
            HttpResponse<String> next = ask(server.baseUri(), "add 1 2 =").join();
            assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
        }
    }

    @Test
    void shutdownLetsInFlightRequestsFinishThenClosesTheModel() throws Exception {
        Files.createDirectories(dir.resolve("slow"));
        FakeModels models = new FakeModels(50);
        ServeConfig config = ServeConfig.defaults().withPort(0).withAdmission(2, 2, Duration.ofSeconds(20));
        CrucibleServer server = CrucibleServer.start(config, models, dir.resolve("slow"));
        ApiClient api = new ApiClient(server.baseUri());
        CompletableFuture<HttpResponse<String>> inFlight = ask(server.baseUri(), "abcdefghijklmno");
        awaitInFlight(server, api, 0);
        server.close();
        HttpResponse<String> finished = inFlight.join();
        assertThat(finished.statusCode()).as(finished.body()).isEqualTo(200);
        assertThat(ApiClient.json(finished).at("/choices/0/text").asText()).isEqualTo(" onmlkjihgfedcba");
        assertThat(models.loaded().getFirst().closeCount()).isEqualTo(1);
    }
}
