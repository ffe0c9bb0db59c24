package dev.crucible.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API end to end over loopback, with the test double as the model. */
class ServeHttpTest {

    private static final String TOKEN = "s3cret-token";

    @TempDir
    static Path dir;

    private static CrucibleServer server;
    private static ApiClient client;
    private static FakeModels models;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(dir.resolve("first"));
        Files.createDirectories(dir.resolve("second"));
        models = new FakeModels(0);
        ServeConfig config = ServeConfig.defaults().withPort(0).withAdminToken(TOKEN).withMaxBodyBytes(4096);
        server = CrucibleServer.start(config, models, dir.resolve("first"));
        client = new ApiClient(server.baseUri());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void assertError(HttpResponse<String> response, int status, String type, String param) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).contains("application/json"));
        JsonNode error = ApiClient.json(response).get("error");
        assertThat(error).as(response.body()).isNotNull();
        assertThat(error.get("message").asText()).isNotBlank();
        assertThat(error.get("type").asText()).isEqualTo(type);
        assertThat(error.has("param")).isTrue();
        assertThat(error.has("code")).isTrue();
        if (param != null) {
            assertThat(error.get("param").asText()).isEqualTo(param);
        }
    }

    @Test
    void completionAnswersInOpenAiShapeNamingTheVersion() {
        HttpResponse<String> response = client.post("/v1/completions",
                "{\"model\":\"first\",\"prompt\":\"add 12 34 =\",\"max_tokens\":8,\"temperature\":0}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = ApiClient.json(response);
        assertThat(body.get("object").asText()).isEqualTo("text_completion");
        assertThat(body.get("id").asText()).startsWith("cmpl-");
        assertThat(body.get("model").asText()).isEqualTo("first");
        assertThat(body.get("system_fingerprint").asText()).startsWith("v");
        assertThat(body.at("/choices/0/text").asText()).isEqualTo(" 46");
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(body.at("/usage/prompt_tokens").asInt()).isEqualTo(12);
        assertThat(body.at("/usage/total_tokens").asInt())
                .isEqualTo(body.at("/usage/prompt_tokens").asInt() + body.at("/usage/completion_tokens").asInt());
    }

    @Test
    void maxTokensAndStopEndTheCompletion() {
        JsonNode cut = ApiClient.json(client.post("/v1/completions", "{\"prompt\":\"abcdef\",\"max_tokens\":3,\"temperature\":0}"));
        assertThat(cut.at("/choices/0/text").asText()).isEqualTo(" fe");
        assertThat(cut.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        JsonNode stopped = ApiClient.json(client.post("/v1/completions", "{\"prompt\":\"abcdef\",\"stop\":[\"c\"],\"seed\":7}"));
        assertThat(stopped.at("/choices/0/text").asText()).isEqualTo(" fed");
        assertThat(stopped.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void streamingSendsOneEventPerTokenThenDone() {
        HttpResponse<String> response = client.post("/v1/completions",
                "{\"prompt\":\"add 12 34 =\",\"max_tokens\":8,\"temperature\":0,\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/event-stream"));
        List<JsonNode> events = ApiClient.events(response.body());
        assertThat(events.getLast()).as("ends with data: [DONE]").isNull();
        List<JsonNode> chunks = events.stream().filter(Objects::nonNull).filter(e -> !e.get("choices").isEmpty()).toList();
        assertThat(chunks).hasSize(4);
        assertThat(chunks.stream().map(c -> c.at("/choices/0/text").asText()).collect(Collectors.joining())).isEqualTo(" 46");
        assertThat(chunks.getLast().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(chunks.getFirst().at("/choices/0/finish_reason").isNull()).isTrue();
        assertThat(chunks).allSatisfy(c -> assertThat(c.get("system_fingerprint").asText()).startsWith("v"));
        JsonNode usage = events.get(events.size() - 2);
        assertThat(usage.at("/usage/completion_tokens").asInt()).isEqualTo(4);
    }

    @Test
    void chatUsesThePlainTemplateAndStreamsDeltas() {
        JsonNode body = ApiClient.json(client.post("/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"add 1 2 =\"}],\"temperature\":0}"));
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.at("/choices/0/message/role").asText()).isEqualTo("assistant");
        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo(" 3");

        HttpResponse<String> stream = client.post("/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"add 1 2 =\"}]}],\"stream\":true}");
        List<JsonNode> events = ApiClient.events(stream.body());
        assertThat(events.getLast()).isNull();
        assertThat(events.getFirst().at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        assertThat(events.stream().filter(Objects::nonNull).map(e -> e.at("/choices/0/delta/content").asText(""))
                .collect(Collectors.joining())).isEqualTo(" 3");
        assertThat(events.get(events.size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(events.getFirst().get("object").asText()).isEqualTo("chat.completion.chunk");
    }

    @Test
    void imagesAreRefusedByATextModel() {
        String png = java.util.Base64.getEncoder().encodeToString(tinyPng());
        HttpResponse<String> response = client.post("/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,"
                        + png + "\"}},{\"type\":\"text\",\"text\":\"color =\"}]}]}");
        assertError(response, 400, "invalid_request_error", "messages");
        assertThat(ApiClient.json(response).at("/error/message").asText()).contains("does not accept images");
    }

    @Test
    void invalidJsonIsA400() {
        HttpResponse<String> response = client.post("/v1/completions", "{\"prompt\": \"add");
        assertError(response, 400, "invalid_request_error", null);
        assertThat(ApiClient.json(response).at("/error/code").asText()).isEqualTo("invalid_json");
    }

    @Test
    void aFieldOfTheWrongTypeIsA400NamingIt() {
        assertError(client.post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":\"ten\"}"), 400, "invalid_request_error", "max_tokens");
        assertError(client.post("/v1/completions", "{\"prompt\":\"hi\",\"temperature\":true}"), 400, "invalid_request_error", "temperature");
        assertError(client.post("/v1/completions", "{\"prompt\":42}"), 400, "invalid_request_error", "prompt");
        assertError(client.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":5}]}"),
                400, "invalid_request_error", "messages[0].content");
        assertError(client.post("/v1/completions", "{\"prompt\":\"hi\",\"top_p\":3}"), 400, "invalid_request_error", "top_p");
    }

    @Test
    void unknownFieldsAndMissingPromptAreRefused() {
        assertError(client.post("/v1/completions", "{\"prompt\":\"hi\",\"temprature\":0}"), 400, "invalid_request_error", "temprature");
        assertError(client.post("/v1/completions", "{\"max_tokens\":3}"), 400, "invalid_request_error", "prompt");
        assertError(client.post("/v1/completions", "[1,2]"), 400, "invalid_request_error", null);
    }

    @Test
    void aPromptLongerThanTheContextIsA400() {
        String longPrompt = "x".repeat(100);
        HttpResponse<String> response = client.post("/v1/completions", "{\"prompt\":\"" + longPrompt + "\"}");
        assertError(response, 400, "invalid_request_error", "max_tokens");
        assertThat(ApiClient.json(response).at("/error/code").asText()).isEqualTo("context_length_exceeded");
        assertThat(ApiClient.json(response).at("/error/message").asText()).contains("maximum context length is 64 tokens");
    }

    @Test
    void anOversizedBodyIsA413() {
        String big = "{\"prompt\":\"" + "y".repeat(10_000) + "\"}";
        assertError(client.post("/v1/completions", big), 413, "invalid_request_error", null);
        assertThat(client.get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void unknownRoutesAndMethodsGetJsonErrors() {
        assertError(client.get("/v1/nothing"), 404, "invalid_request_error", null);
        assertError(client.get("/v1/completions"), 405, "invalid_request_error", null);
    }

    @Test
    void promotionNeedsTheBearerToken() {
        String body = "{\"path\":\"" + dir.resolve("second") + "\"}";
        HttpResponse<String> missing = client.post("/admin/promote", body);
        assertError(missing, 401, "authentication_error", null);
        assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"crucible-admin\"");
        HttpResponse<String> wrong = client.post("/admin/promote", body, "Authorization", "Bearer nope");
        assertError(wrong, 401, "authentication_error", null);
        assertThat(wrong.headers().firstValue("WWW-Authenticate"))
                .hasValue("Bearer realm=\"crucible-admin\", error=\"invalid_token\"");
    }

    @Test
    void aFailedPromotionReportsWhyAndKeepsServing() throws Exception {
        Files.createDirectories(dir.resolve("broken-one"));
        String before = ApiClient.json(client.get("/v1/models")).at("/data/0/version").asText();
        HttpResponse<String> response = client.post("/admin/promote", "{\"path\":\"" + dir.resolve("broken-one") + "\"}",
                "Authorization", "Bearer " + TOKEN);
        assertError(response, 422, "invalid_request_error", "path");
        assertThat(ApiClient.json(response).at("/error/message").asText()).contains("broken-one");
        assertError(client.post("/admin/promote", "{\"path\":\"" + dir.resolve("missing") + "\"}", "Authorization", "Bearer " + TOKEN),
                400, "invalid_request_error", "path");
        assertThat(ApiClient.json(client.get("/v1/models")).at("/data/0/version").asText()).isEqualTo(before);
        assertThat(client.post("/v1/completions", "{\"prompt\":\"add 2 2 =\"}").statusCode()).isEqualTo(200);
    }

    @Test
    void promotionSwitchesVersionsAndListsTheNewOne() {
        HttpResponse<String> response = client.post("/admin/promote", "{\"path\":\"" + dir.resolve("second") + "\"}",
                "Authorization", "Bearer " + TOKEN);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode promoted = ApiClient.json(response);
        String version = promoted.get("version").asText();
        assertThat(promoted.get("model").asText()).isEqualTo("second");
        JsonNode listed = ApiClient.json(client.get("/v1/models"));
        assertThat(listed.get("object").asText()).isEqualTo("list");
        assertThat(listed.at("/data/0/version").asText()).isEqualTo(version);
        assertThat(listed.at("/data/0/path").asText()).endsWith("second");
        JsonNode answer = ApiClient.json(client.post("/v1/completions", "{\"prompt\":\"add 1 1 =\"}"));
        assertThat(answer.get("system_fingerprint").asText()).isEqualTo(version);
        // switch back so the other tests see the first model's name again
        assertThat(client.post("/admin/promote", "{\"path\":\"" + dir.resolve("first") + "\"}", "Authorization", "Bearer " + TOKEN)
                .statusCode()).isEqualTo(200);
    }

    @Test
    void probesAndMetricsAnswer() {
        assertThat(client.get("/health").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = client.get("/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ApiClient.json(ready).get("version").asText()).startsWith("v");
        client.post("/v1/completions", "{\"prompt\":\"add 3 4 =\"}");
        HttpResponse<String> metrics = client.get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains("crucible_http_server_requests_seconds_count{method=\"POST\",route=\"/v1/completions\",status=\"200\"}")
                .contains("crucible_http_server_requests_seconds_bucket")
                .contains("crucible_generation_tokens_total{kind=\"completion\"}")
                .contains("crucible_generation_time_to_first_token_seconds_count")
                .contains("crucible_generation_speed_tokens_per_second_count")
                .contains("crucible_admission_queue_depth")
                .contains("crucible_admission_in_flight")
                .contains("crucible_model_info{")
                .contains("crucible_model_swaps_total{outcome=\"success\"}")
                .contains("crucible_model_swap_duration_seconds_count")
                .contains("jvm_memory_used_bytes");
    }

    @Test
    void deeplyNestedJsonAndHugeNumbersAreA400WithAPlainMessage() {
        String deep = "{\"prompt\":" + "[".repeat(1200) + "]".repeat(1200) + "}";
        HttpResponse<String> nested = client.post("/v1/completions", deep);
        assertError(nested, 400, "invalid_request_error", null);
        assertThat(ApiClient.json(nested).at("/error/code").asText()).isEqualTo("invalid_json");
        assertThat(ApiClient.json(nested).at("/error/message").asText()).contains("1000 levels deep");
        HttpResponse<String> number = client.post("/v1/completions", "{\"prompt\":\"hi\",\"seed\":" + "9".repeat(2000) + "}");
        assertError(number, 400, "invalid_request_error", null);
        assertThat(ApiClient.json(number).at("/error/message").asText()).contains("more than 1000 digits");
        for (HttpResponse<String> r : List.of(nested, number)) {
            assertThat(ApiClient.json(r).at("/error/message").asText()).doesNotContainIgnoringCase("exception")
                    .doesNotContain("null").doesNotContainIgnoringCase("jackson");
        }
    }

    @Test
    void badJsonIsExplainedWithoutParserInternals() {
        for (String body : List.of("{\"prompt\": \"add", "{\"prompt\": x}", "", "{\"prompt\":\"a\",}")) {
            HttpResponse<String> response = client.post("/v1/completions", body);
            assertError(response, 400, "invalid_request_error", null);
            String message = ApiClient.json(response).at("/error/message").asText();
            assertThat(message).as(body).startsWith("We could not parse the JSON body of your request: ")
                    .doesNotContain("Source").doesNotContain("REDACTED").doesNotContain("StreamReadFeature")
                    .doesNotContain("com.fasterxml").doesNotContain("marker").doesNotContain("\n");
        }
        assertThat(ApiClient.json(client.post("/v1/completions", "{\"prompt\": \"add")).at("/error/message").asText())
                .contains("ends before the JSON value is complete");
    }

    @Test
    void aChunkedBodyOverTheLimitIsA413() {
        byte[] big = ("{\"prompt\":\"" + "y".repeat(10_000) + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(server.baseUri().resolve("/v1/completions"))
                .header("Content-Type", "application/json")
                // An input stream has no known length, so the client sends it chunked.
                .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big)));
        HttpResponse<String> response = client.send(request);
        assertError(response, 413, "invalid_request_error", null);
        assertThat(ApiClient.json(response).at("/error/code").asText()).isEqualTo("request_too_large");
    }

    @Test
    void aBodyThatIsNotJsonByContentTypeIsA415() {
        HttpResponse<String> response = client.send(java.net.http.HttpRequest.newBuilder(server.baseUri().resolve("/v1/completions"))
                .header("Content-Type", "text/plain")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"prompt\":\"add 1 1 =\"}")));
        assertError(response, 415, "invalid_request_error", null);
        assertThat(ApiClient.json(response).at("/error/message").asText()).contains("application/json");
        HttpResponse<String> typed = client.send(java.net.http.HttpRequest.newBuilder(server.baseUri().resolve("/v1/completions"))
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"prompt\":\"add 1 1 =\"}")));
        assertThat(typed.statusCode()).as(typed.body()).isEqualTo(200);
    }

    @Test
    void headOnTheProbesAnswersWithoutABody() {
        for (String probe : List.of("/health", "/ready")) {
            HttpResponse<String> head = client.send(java.net.http.HttpRequest.newBuilder(server.baseUri().resolve(probe))
                    .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()));
            assertThat(head.statusCode()).as(probe).isEqualTo(200);
            assertThat(head.body()).isEmpty();
        }
    }

    @Test
    void platformFieldsOfNewerSdksAreAcceptedAndChangeNothing() {
        String plain = "{\"messages\":[{\"role\":\"user\",\"content\":\"add 4 5 =\"}],\"temperature\":0";
        JsonNode reference = ApiClient.json(client.post("/v1/chat/completions", plain + "}"));
        HttpResponse<String> withFields = client.post("/v1/chat/completions", plain
                + ",\"store\":true,\"metadata\":{\"team\":\"eval\"},\"service_tier\":\"auto\",\"parallel_tool_calls\":true,"
                + "\"user\":\"u-1\",\"reasoning_effort\":\"low\"}");
        assertThat(withFields.statusCode()).as(withFields.body()).isEqualTo(200);
        assertThat(ApiClient.json(withFields).at("/choices/0/message/content").asText())
                .isEqualTo(reference.at("/choices/0/message/content").asText()).isEqualTo(" 9");
        HttpResponse<String> completion = client.post("/v1/completions",
                "{\"prompt\":\"add 4 5 =\",\"store\":false,\"metadata\":{},\"service_tier\":\"default\",\"user\":\"u\"}");
        assertThat(completion.statusCode()).as(completion.body()).isEqualTo(200);
        assertError(client.post("/v1/chat/completions", plain + ",\"metadata\":{\"n\":1}}"), 400, "invalid_request_error",
                "metadata.n");
        assertError(client.post("/v1/chat/completions", plain + ",\"store\":\"yes\"}"), 400, "invalid_request_error", "store");
    }

    @Test
    void whatWouldChangeTheAnswerIsStillRefusedWithAClearMessage() {
        String plain = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        HttpResponse<String> n = client.post("/v1/chat/completions", plain + ",\"n\":2}");
        assertError(n, 400, "invalid_request_error", "n");
        assertThat(ApiClient.json(n).at("/error/message").asText()).contains("one choice per request");
        HttpResponse<String> tools = client.post("/v1/chat/completions",
                plain + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}");
        assertError(tools, 400, "invalid_request_error", "tools");
        assertThat(ApiClient.json(tools).at("/error/message").asText()).contains("does not call tools");
        assertError(client.post("/v1/completions", "{\"prompt\":\"hi\",\"logprobs\":2}"), 400, "invalid_request_error", "logprobs");
    }

    private static byte[] tinyPng() {
        try {
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(2, 2, java.awt.image.BufferedImage.TYPE_INT_RGB);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

}
