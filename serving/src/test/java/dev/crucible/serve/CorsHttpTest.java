package dev.crucible.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Browsers may call /v1 (any origin by default, as vLLM; or only the allowed ones); probes and /admin never get CORS. */
class CorsHttpTest {

    @TempDir
    Path dir;

    private static HttpResponse<String> preflight(ApiClient client, String path, String origin) {
        return client.send(HttpRequest.newBuilder(client.base().resolve(path))
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type, x-stainless-os")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
    }

    private static HttpResponse<String> postFrom(ApiClient client, String path, String origin, String body) {
        return client.send(HttpRequest.newBuilder(client.base().resolve(path))
                .header("Origin", origin)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void byDefaultAnyOriginMayCallTheApiButNeverTheAdminRoutes() throws Exception {
        Files.createDirectories(dir.resolve("m"));
        ServeConfig config = ServeConfig.defaults().withPort(0).withAdminToken("t");
        try (CrucibleServer server = CrucibleServer.start(config, new FakeModels(0), dir.resolve("m"))) {
            ApiClient client = new ApiClient(server.baseUri());
            HttpResponse<String> pre = preflight(client, "/v1/chat/completions", "https://chat.example");
            assertThat(pre.statusCode()).isEqualTo(204);
            assertThat(pre.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
            assertThat(pre.headers().firstValue("Access-Control-Allow-Methods")).hasValueSatisfying(m -> assertThat(m).contains("POST"));
            assertThat(pre.headers().firstValue("Access-Control-Allow-Headers"))
                    .hasValue("authorization, content-type, x-stainless-os");

            HttpResponse<String> answer = postFrom(client, "/v1/completions", "https://chat.example", "{\"prompt\":\"add 1 1 =\"}");
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
            HttpResponse<String> error = postFrom(client, "/v1/completions", "https://chat.example", "{}");
            assertThat(error.statusCode()).as("errors are readable by the page too").isEqualTo(400);
            assertThat(error.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");

            HttpResponse<String> admin = postFrom(client, "/admin/promote", "https://evil.example", "{\"path\":\"/x\"}");
            assertThat(admin.statusCode()).isEqualTo(401);
            assertThat(admin.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
            HttpResponse<String> adminPreflight = preflight(client, "/admin/promote", "https://evil.example");
            assertThat(adminPreflight.statusCode()).isEqualTo(405);
            assertThat(adminPreflight.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("access-control-"));
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(client.base().resolve("/health"))
                    .header("Origin", "https://chat.example").GET());
            assertThat(health.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        }
    }

    @Test
    void withAllowedOriginsOnlyThoseAreAnswered() throws Exception {
        Files.createDirectories(dir.resolve("m"));
        ServeConfig config = ServeConfig.defaults().withPort(0)
                .withAllowedOrigins(ServeCommand.origins("[\"https://app.example\"]"));
        assertThat(config.allowedOrigins()).isEqualTo(List.of("https://app.example"));
        assertThat(ServeCommand.origins("https://a.example, https://b.example")).containsExactly("https://a.example", "https://b.example");
        assertThat(ServeCommand.origins("*")).containsExactly("*");
        try (CrucibleServer server = CrucibleServer.start(config, new FakeModels(0), dir.resolve("m"))) {
            ApiClient client = new ApiClient(server.baseUri());
            HttpResponse<String> allowed = preflight(client, "/v1/completions", "https://app.example");
            assertThat(allowed.statusCode()).isEqualTo(204);
            assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example");
            assertThat(allowed.headers().firstValue("Vary")).hasValue("Origin");

            HttpResponse<String> refused = preflight(client, "/v1/completions", "https://other.example");
            assertThat(refused.statusCode()).isEqualTo(400);
            assertThat(ApiClient.json(refused).at("/error/code").asText()).isEqualTo("cors_origin_not_allowed");
            assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
            HttpResponse<String> other = postFrom(client, "/v1/completions", "https://other.example", "{\"prompt\":\"add 1 1 =\"}");
            assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        }
    }
}
