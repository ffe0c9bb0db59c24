package dev.crucible.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The request metrics operators graph, after vLLM's set, and an exposition promtool accepts without a warning. */
class ServeMetricsHttpTest {

    @TempDir
    Path dir;

    /** The value of the sample named exactly {@code series} (name and labels) in a scrape. */
    static double sample(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no sample " + series + " in the scrape");
    }

    @Test
    void everyRequestIsTimedToItsLastByteWithTokenHistogramsAndFinishReasons() throws Exception {
        Files.createDirectories(dir.resolve("m"));
        // 40 ms per token: a streamed answer of 11 tokens takes at least 0.44 s to its last byte.
        try (CrucibleServer server = CrucibleServer.start(ServeConfig.defaults().withPort(0), new FakeModels(40), dir.resolve("m"))) {
            ApiClient client = new ApiClient(server.baseUri());
            String streamed = client.post("/v1/completions",
                    "{\"prompt\":\"abcdefghij\",\"max_tokens\":20,\"stream\":true}").body();
            assertThat(streamed).endsWith("data: [DONE]\n\n");
            assertThat(client.post("/v1/completions", "{\"prompt\":\"abcdefghij\",\"max_tokens\":3}").statusCode()).isEqualTo(200);
            String scrape = client.get("/metrics").body();

            assertThat(sample(scrape, "crucible_e2e_request_latency_seconds_count")).isEqualTo(2);
            assertThat(sample(scrape, "crucible_e2e_request_latency_seconds_sum")).as("the stream counts to its last byte")
                    .isGreaterThanOrEqualTo(0.44 + 0.12);
            assertThat(sample(scrape,
                    "crucible_http_server_requests_seconds_sum{method=\"POST\",route=\"/v1/completions\",status=\"200\"}"))
                    .isGreaterThanOrEqualTo(0.44 + 0.12);
            assertThat(sample(scrape, "crucible_time_to_first_token_seconds_count")).as("streamed and alone-batched").isEqualTo(2);
            assertThat(sample(scrape, "crucible_time_to_first_token_seconds_sum")).isGreaterThanOrEqualTo(0.08);
            assertThat(sample(scrape, "crucible_request_queue_time_seconds_count")).isEqualTo(2);
            assertThat(sample(scrape, "crucible_time_per_output_token_seconds_count")).isEqualTo(2);
            assertThat(sample(scrape, "crucible_time_per_output_token_seconds_sum")).as("about 40 ms each").isGreaterThanOrEqualTo(0.07);
            assertThat(sample(scrape, "crucible_request_success_total{finished_reason=\"stop\"}")).isEqualTo(1);
            assertThat(sample(scrape, "crucible_request_success_total{finished_reason=\"length\"}")).isEqualTo(1);
            assertThat(sample(scrape, "crucible_request_prompt_tokens_count")).isEqualTo(2);
            assertThat(sample(scrape, "crucible_request_prompt_tokens_sum")).isEqualTo(22);
            assertThat(sample(scrape, "crucible_request_generation_tokens_sum")).isEqualTo(12 + 3);
            assertThat(sample(scrape, "crucible_request_generation_tokens_bucket{le=\"5.0\"}")).isEqualTo(1);
        }
    }

    @Test
    void requestsThatShareABatchedForwardPassGetTheirTimeToFirstTokenToo() throws Exception {
        Files.createDirectories(dir.resolve("m"));
        FakeModels models = new FakeModels(50);
        ServeConfig config = ServeConfig.defaults().withPort(0).withAdmission(4, 16, java.time.Duration.ofSeconds(60));
        try (CrucibleServer server = CrucibleServer.start(config, models, dir.resolve("m"))) {
            ApiClient client = new ApiClient(server.baseUri());
            // The first runs alone for ~0.5 s; the others queue meanwhile and run as one batched call.
            java.util.List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> answers =
                    new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                answers.add(java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> client.post("/v1/completions", "{\"prompt\":\"abcdefghij\",\"max_tokens\":10}")));
                Thread.sleep(i == 0 ? 150 : 0);
            }
            answers.forEach(a -> assertThat(a.join().statusCode()).isEqualTo(200));
            assertThat(models.loaded().getFirst().batchedCallCount()).as("some requests shared a batched call").isPositive();
            String scrape = client.get("/metrics").body();
            assertThat(sample(scrape, "crucible_time_to_first_token_seconds_count")).isEqualTo(4);
            assertThat(sample(scrape, "crucible_request_queue_time_seconds_count")).isEqualTo(4);
        }
    }

    @Test
    void promtoolFindsNothingToCriticise() throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        Assumptions.assumeTrue(Files.isExecutable(promtool), "promtool is not installed (Debian package 'prometheus')");
        Files.createDirectories(dir.resolve("m"));
        try (CrucibleServer server = CrucibleServer.start(ServeConfig.defaults().withPort(0), new FakeModels(0), dir.resolve("m"))) {
            ApiClient client = new ApiClient(server.baseUri());
            client.post("/v1/completions", "{\"prompt\":\"add 1 2 =\"}");
            client.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"abc\"}],\"stream\":true}");
            client.post("/v1/completions", "{\"prompt\":");
            String scrape = client.get("/metrics").body();
            Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
            check.getOutputStream().write(scrape.getBytes(StandardCharsets.UTF_8));
            check.getOutputStream().close();
            String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(said).as("promtool check metrics").isEmpty();
            assertThat(check.exitValue()).isZero();
        } catch (IOException e) {
            Assumptions.abort("promtool could not run: " + e.getMessage());
        }
    }
}
