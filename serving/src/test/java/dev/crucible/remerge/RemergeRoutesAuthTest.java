package dev.crucible.remerge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.app.AppConfig;
import dev.crucible.app.AppConfigParser;
import dev.crucible.app.PipelineMetrics;
import dev.crucible.metrics.CrucibleMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The re-merge admin routes refuse as the serving admin route does: 401 with an RFC 6750 {@code Bearer}
 * challenge ({@code error="invalid_token"} only when a token was sent), 403 while no token is configured.
 */
class RemergeRoutesAuthTest {

    private static final String TOKEN = "s3cret";

    @TempDir
    Path dir;

    private ActorSystem<Void> system;
    private ExecutorService blocking;
    private ServerBinding binding;
    private final HttpClient client = HttpClient.newHttpClient();

    @AfterEach
    void stop() throws Exception {
        if (binding != null) {
            binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (system != null) {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
        if (blocking != null) {
            blocking.shutdownNow();
        }
    }

    /** Binds the re-merge routes over a service that is never started: nothing past the token check may run. */
    private URI serve(Optional<String> adminToken) throws Exception {
        Files.createDirectories(dir.resolve("bases"));
        AppConfig config = AppConfigParser.parse("""
                recipe: recipe.yml
                initial_base: initial
                bases_dir: bases
                tasks: [{name: add, path: add.jsonl}]
                gates: {max_task_drop: 0.02}
                state_dir: state
                """, dir.resolve("app.yml"));
        blocking = Executors.newSingleThreadExecutor();
        RemergeService service = new RemergeService(config, RemergeState.open(config.stateDir()),
                (base, target, progress) -> {
                    throw new AssertionError("no merge behind a refused request");
                },
                (base, modelDir) -> {
                    throw new AssertionError("no scoring behind a refused request");
                },
                modelDir -> {
                    throw new AssertionError("no promotion behind a refused request");
                },
                new PipelineMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)), blocking);
        system = ActorSystem.create(Behaviors.empty(), "remerge-routes-auth");
        RemergeRoutes routes = new RemergeRoutes(service, adminToken, new CrucibleMetrics(), blocking);
        binding = Http.get(system).newServerAt("127.0.0.1", 0).bind(routes.route())
                .toCompletableFuture().get(20, TimeUnit.SECONDS);
        return URI.create("http://127.0.0.1:" + binding.localAddress().getPort());
    }

    private HttpResponse<String> send(URI base, String method, String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .method(method, HttpRequest.BodyPublishers.ofString("{\"path\":\"" + dir.resolve("bases/x") + "\"}"));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRequestWithoutTheTokenIsChallengedWithBearer() throws Exception {
        URI base = serve(Optional.of(TOKEN));
        for (String[] route : new String[][] {{"GET", "/admin/history"}, {"GET", "/admin/bases"}, {"POST", "/admin/bases"},
                {"POST", "/admin/rollback"}, {"POST", "/admin/promote"}}) {
            HttpResponse<String> response = send(base, route[0], route[1], null);
            assertThat(response.statusCode()).as(route[1]).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).as(route[1])
                    .hasValue("Bearer realm=\"crucible-admin\"");
            assertThat(response.body()).contains("\"type\":\"authentication_error\"", "\"code\":\"invalid_api_key\"");
        }
    }

    @Test
    void aWrongTokenIsChallengedAsInvalid() throws Exception {
        URI base = serve(Optional.of(TOKEN));
        HttpResponse<String> wrong = send(base, "POST", "/admin/rollback", "Bearer nope");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("WWW-Authenticate"))
                .hasValue("Bearer realm=\"crucible-admin\", error=\"invalid_token\"");
        HttpResponse<String> basic = send(base, "GET", "/admin/history", "Basic " + TOKEN);
        assertThat(basic.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"crucible-admin\"");
    }

    @Test
    void theRightTokenPasses() throws Exception {
        URI base = serve(Optional.of(TOKEN));
        HttpResponse<String> history = send(base, "GET", "/admin/history", "bearer " + TOKEN);
        assertThat(history.statusCode()).isEqualTo(200);
        assertThat(history.headers().firstValue("WWW-Authenticate")).isEmpty();
    }

    @Test
    void withoutAConfiguredTokenTheAdminApiIsOff() throws Exception {
        URI base = serve(Optional.empty());
        HttpResponse<String> response = send(base, "GET", "/admin/history", "Bearer " + TOKEN);
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(response.body()).contains("\"code\":\"admin_disabled\"", "serve.admin_token_file");
    }
}
