package dev.crucible.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.error.CrucibleException;
import dev.crucible.metrics.CrucibleMetrics;
import dev.crucible.serve.ServeConfig;
import dev.crucible.serve.http.ServeRoutes;
import dev.crucible.serve.inference.AdmissionControl;
import dev.crucible.serve.inference.InferenceService;
import dev.crucible.serve.model.ModelServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.stream.Materializer;
import org.junit.jupiter.api.Test;

/**
 * The paths the manifests probe and scrape, proven against the serving module's real routes: the
 * server (with no model yet) answers liveness 200, readiness 503 and metrics 200, not 404.
 */
class ServerProbePathsTest {

    static final String LIVENESS = "/health";
    static final String READINESS = "/ready";
    static final String METRICS = "/metrics";

    @Test
    void theServerAnswersTheProbeAndScrapePaths() throws Exception {
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "probe-test");
        var blocking = Executors.newSingleThreadExecutor();
        try (CrucibleMetrics metrics = new CrucibleMetrics()) {
            ServeConfig config = ServeConfig.defaults().withPort(0);
            ActorRef<ModelServer.Command> server = system.systemActorOf(ModelServer.create(dir -> {
                throw new CrucibleException("no model in this test");
            }, config.smokePrompt(), blocking, metrics), "model-server", org.apache.pekko.actor.typed.Props.empty());
            AdmissionControl admission = new AdmissionControl(1, 1);
            InferenceService inference = new InferenceService(server, system.scheduler(), admission, blocking, metrics, 16, 1);
            ServeRoutes routes = new ServeRoutes(config, inference, server, system.scheduler(), metrics,
                    Materializer.matFromSystem(system), Duration.ofSeconds(5));
            ServerBinding binding = Http.get(system).newServerAt("127.0.0.1", 0).bind(routes.route())
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            URI base = URI.create("http://127.0.0.1:" + binding.localAddress().getPort());
            HttpClient http = HttpClient.newHttpClient();

            assertThat(status(http, base.resolve(LIVENESS))).isEqualTo(200);
            assertThat(status(http, base.resolve(READINESS))).isEqualTo(503);
            assertThat(status(http, base.resolve(METRICS))).isEqualTo(200);
            assertThat(status(http, base.resolve("/no-such-probe"))).isEqualTo(404);
        } finally {
            system.terminate();
            blocking.shutdownNow();
        }
    }

    private static int status(HttpClient http, URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
