package dev.crucible.serve.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.error.Causes;
import dev.crucible.metrics.CrucibleMetrics;
import dev.crucible.serve.ServeConfig;
import dev.crucible.serve.inference.Deadline;
import dev.crucible.serve.inference.InferenceService;
import dev.crucible.serve.model.ModelServer;
import dev.crucible.serve.model.ModelVersion;
import dev.crucible.serve.model.ServingState;
import dev.crucible.serve.openai.ApiException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Rejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;

/**
 * The HTTP API: OpenAI-compatible completions and chat (JSON or Server-Sent Events) under the model's
 * name and its aliases ({@link GenerationRoutes}), model listing and retrieval, vLLM's tokenization
 * ({@link TokenizationRoutes}), probes, Prometheus metrics and the token-protected promotion endpoint
 * ({@link PromotionRoute} behind {@link AdminAuth}); CORS on the {@code /v1} routes only. Every response,
 * errors included, is counted in {@code crucible_http_server_requests_seconds} by route and status when its
 * last byte has been sent.
 */
public final class ServeRoutes extends AllDirectives {

    private static final Set<String> ROUTES = Set.of("/health", "/ready", "/metrics", "/v1/models", "/v1/completions",
            "/v1/chat/completions", "/admin/promote", "/tokenize", "/detokenize");

    private final ActorRef<ModelServer.Command> server;
    private final Scheduler scheduler;
    private final CrucibleMetrics metrics;
    private final ServedNames names;
    private final Cors cors;
    private final BooleanSupplier draining;
    private final AdminAuth admin;
    private final GenerationRoutes generation;
    private final TokenizationRoutes tokenization;
    private final PromotionRoute promotion;
    private final AtomicInteger open = new AtomicInteger();

    public ServeRoutes(ServeConfig config, InferenceService inference, ActorRef<ModelServer.Command> server,
            Scheduler scheduler, CrucibleMetrics metrics, Materializer materializer, Duration promoteTimeout) {
        this(config, inference, server, scheduler, metrics, materializer, promoteTimeout, () -> false);
    }

    /** {@code draining} turns {@code /ready} to 503 once shutdown has begun. */
    public ServeRoutes(ServeConfig config, InferenceService inference, ActorRef<ModelServer.Command> server,
            Scheduler scheduler, CrucibleMetrics metrics, Materializer materializer, Duration promoteTimeout,
            BooleanSupplier draining) {
        this.server = server;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.names = new ServedNames(config.servedModelNames());
        this.cors = new Cors(config.allowedOrigins());
        this.draining = draining;
        this.admin = new AdminAuth(config.adminToken(), "start the server with --admin-token-file or CRUCIBLE_ADMIN_TOKEN");
        RequestBodies bodies = new RequestBodies(config.maxBodyBytes(), materializer);
        this.generation = new GenerationRoutes(config.requestTimeout(), config.maxNewTokensCap(), inference, metrics,
                draining, names, bodies, new EventStream(inference, materializer));
        this.tokenization = new TokenizationRoutes(server, scheduler, inference.blocking(), config.maxNewTokensCap(),
                http -> bodies.readJson(http, Deadline.in(config.requestTimeout()), true));
        this.promotion = new PromotionRoute(server, scheduler, promoteTimeout, config.requestTimeout(), bodies);
    }

    public Route route() {
        return extractRequest(request -> {
            long start = System.nanoTime();
            String path = request.getUri().path();
            String label = label(path);
            String method = request.method().value();
            boolean generates = path.equals("/v1/completions") || path.equals("/v1/chat/completions");
            open.incrementAndGet();
            return mapResponse(response -> LastByte.whenSent(cors.decorate(request, path, response), () -> {
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                metrics.recordRequest(label, method, response.status().intValue(), took);
                if (generates && response.status().intValue() == 200) {
                    metrics.recordEndToEnd(took);
                }
                open.decrementAndGet();
            }), () -> handleExceptions(exceptionHandler(), () -> handleRejections(rejectionHandler(),
                    () -> cors.preflight(request, path).map(this::complete).orElseGet(this::endpoints))));
        });
    }

    /** Requests whose response has not been sent to its last byte yet (streams included). */
    public int openRequests() {
        return open.get();
    }

    /** The metric label: the route template, so model ids and unknown paths do not make new series. */
    private static String label(String path) {
        if (ROUTES.contains(path)) {
            return path;
        }
        return path.startsWith("/v1/models/") ? "/v1/models/{id}" : "unmatched";
    }

    private Route endpoints() {
        return concat(
                path("health", () -> get(() -> complete(HttpResponses.json(200, status("ok"))))),
                path("ready", () -> get(() -> completeWithFuture(ready()))),
                path("metrics", () -> get(() -> complete(
                        HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8, metrics.scrape())))),
                path(PathMatchers.segment("v1").slash("models"), () -> get(() -> completeWithFuture(models()))),
                path(PathMatchers.segment("v1").slash("models").slash(PathMatchers.remaining()),
                        id -> get(() -> completeWithFuture(model(id)))),
                path(PathMatchers.segment("v1").slash("completions"),
                        () -> post(() -> extractRequest(r -> completeWithFuture(guard(generation.completions(r)))))),
                path(PathMatchers.segment("v1").slash("chat").slash("completions"),
                        () -> post(() -> extractRequest(r -> completeWithFuture(guard(generation.chat(r)))))),
                path("tokenize", () -> post(() -> extractRequest(r -> completeWithFuture(guard(tokenization.tokenize(r)))))),
                path("detokenize", () -> post(() -> extractRequest(r -> completeWithFuture(guard(tokenization.detokenize(r)))))),
                path(PathMatchers.segment("admin").slash("promote"), () -> post(() -> admin.authorized(
                        () -> extractRequest(r -> completeWithFuture(guard(promotion.promote(r))))))));
    }

    private CompletionStage<HttpResponse> ready() {
        if (draining.getAsBoolean()) {
            return CompletableFuture.completedFuture(HttpResponses.json(503, status("draining")));
        }
        return describe().thenApply(state -> state.current()
                .map(v -> HttpResponses.json(200, status("ready").put("version", v.id())))
                .orElseGet(() -> HttpResponses.json(503, status(state.promoting() ? "loading" : "no model"))));
    }

    private CompletionStage<HttpResponse> models() {
        return describe().thenApply(state -> HttpResponses.json(200,
                OpenAiResponses.models(state.current().stream().toList(), names.aliases())));
    }

    /** {@code GET /v1/models/{id}} (the SDK's {@code models.retrieve}): the model served under {@code id}, or 404. */
    private CompletionStage<HttpResponse> model(String id) {
        return describe().thenApply(state -> {
            ModelVersion current = state.current().orElse(null);
            if (current == null || !names.serves(id, current)) {
                return HttpResponses.error(ServedNames.notFound(id));
            }
            return HttpResponses.json(200, OpenAiResponses.modelCard(id, current));
        });
    }

    private CompletionStage<ServingState> describe() {
        return AskPattern.ask(server, ModelServer.Describe::new, Duration.ofSeconds(5), scheduler);
    }

    /** Turns any failure of an endpoint's future into its OpenAI error response. */
    private static CompletionStage<HttpResponse> guard(CompletionStage<HttpResponse> response) {
        return response.exceptionally(failure -> HttpResponses.error(InferenceService.asApiException(Causes.unwrap(failure))));
    }

    private ExceptionHandler exceptionHandler() {
        return ExceptionHandler.newBuilder()
                .matchAny(e -> complete(HttpResponses.error(InferenceService.asApiException(e))))
                .build();
    }

    private RejectionHandler rejectionHandler() {
        return RejectionHandler.newBuilder()
                .handleAll(MethodRejection.class, rejections -> complete(HttpResponses.error(new ApiException(405,
                        "invalid_request_error", "Method not allowed here; use " + rejections.stream()
                                .map(r -> r.supported().value()).distinct().toList() + ".", null, "method_not_allowed"))))
                .handleNotFound(extractUri(uri -> complete(HttpResponses.error(new ApiException(404, "invalid_request_error",
                        "Unknown endpoint: " + uri.path() + ".", null, "unknown_url")))))
                .handle(Rejection.class, r -> complete(HttpResponses.error(new ApiException(400, "invalid_request_error",
                        "Bad request: " + r + ".", null, "bad_request"))))
                .build();
    }

    private static ObjectNode status(String status) {
        return JsonNodeFactory.instance.objectNode().put("status", status);
    }
}
