package dev.crucible.serve.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.metrics.CrucibleMetrics;
import dev.crucible.runtime.GenerationRequest;
import dev.crucible.runtime.ImageInput;
import dev.crucible.serve.ServeConfig;
import dev.crucible.serve.inference.Admitted;
import dev.crucible.serve.inference.Deadline;
import dev.crucible.serve.inference.GenerationCancelled;
import dev.crucible.serve.inference.InferenceService;
import dev.crucible.serve.inference.PromptBudget;
import dev.crucible.serve.model.ModelLease;
import dev.crucible.serve.model.ModelServer;
import dev.crucible.serve.model.ModelVersion;
import dev.crucible.serve.model.PromotionResult;
import dev.crucible.serve.model.Served;
import dev.crucible.serve.model.ServingState;
import dev.crucible.serve.openai.ApiException;
import dev.crucible.serve.openai.ChatRequest;
import dev.crucible.serve.openai.CompletionRequest;
import dev.crucible.serve.openai.OpenAiRequests;
import dev.crucible.serve.openai.PromotionRequests;
import dev.crucible.serve.openai.SamplingOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaType;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Rejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The HTTP API: OpenAI-compatible completions and chat (JSON or Server-Sent Events) under the model's
 * name and its aliases, model listing and retrieval, probes, Prometheus metrics and the token-protected
 * promotion endpoint; CORS on the {@code /v1} routes only. Every response, errors included, is counted in
 * {@code crucible_http_server_requests_seconds} by route and status when its last byte has been sent.
 */
public final class ServeRoutes extends AllDirectives {

    private static final Set<String> ROUTES = Set.of("/health", "/ready", "/metrics", "/v1/models", "/v1/completions",
            "/v1/chat/completions", "/admin/promote", "/tokenize", "/detokenize");
    private static final ByteString DONE = ByteString.fromString("data: [DONE]\n\n");

    private final ServeConfig config;
    private final InferenceService inference;
    private final ActorRef<ModelServer.Command> server;
    private final Scheduler scheduler;
    private final CrucibleMetrics metrics;
    private final Materializer materializer;
    private final OpenAiRequests requests;
    private final Duration promoteTimeout;
    private final TokenizationRoutes tokenization;
    private final Set<String> aliases;
    private final Cors cors;
    private final BooleanSupplier draining;
    private final AtomicInteger open = new AtomicInteger();

    public ServeRoutes(ServeConfig config, InferenceService inference, ActorRef<ModelServer.Command> server,
            Scheduler scheduler, CrucibleMetrics metrics, Materializer materializer, Duration promoteTimeout) {
        this(config, inference, server, scheduler, metrics, materializer, promoteTimeout, () -> false);
    }

    /** {@code draining} turns {@code /ready} to 503 once shutdown has begun. */
    public ServeRoutes(ServeConfig config, InferenceService inference, ActorRef<ModelServer.Command> server,
            Scheduler scheduler, CrucibleMetrics metrics, Materializer materializer, Duration promoteTimeout,
            BooleanSupplier draining) {
        this.aliases = new LinkedHashSet<>(config.servedModelNames());
        this.cors = new Cors(config.allowedOrigins());
        this.draining = draining;
        this.config = config;
        this.inference = inference;
        this.server = server;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.materializer = materializer;
        this.requests = new OpenAiRequests(config.maxNewTokensCap());
        this.promoteTimeout = promoteTimeout;
        this.tokenization = new TokenizationRoutes(server, scheduler, inference.blocking(), config.maxNewTokensCap(),
                http -> readJson(http, Deadline.in(config.requestTimeout()), true));
    }

    public Route route() {
        return extractRequest(request -> {
            long start = System.nanoTime();
            String path = request.getUri().path();
            String label = label(path);
            String method = request.method().value();
            boolean generation = path.equals("/v1/completions") || path.equals("/v1/chat/completions");
            open.incrementAndGet();
            return mapResponse(response -> LastByte.whenSent(cors.decorate(request, path, response), () -> {
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                metrics.recordRequest(label, method, response.status().intValue(), took);
                if (generation && response.status().intValue() == 200) {
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
                        () -> post(() -> extractRequest(r -> completeWithFuture(guard(completions(r)))))),
                path(PathMatchers.segment("v1").slash("chat").slash("completions"),
                        () -> post(() -> extractRequest(r -> completeWithFuture(guard(chat(r)))))),
                path("tokenize", () -> post(() -> extractRequest(r -> completeWithFuture(guard(tokenization.tokenize(r)))))),
                path("detokenize", () -> post(() -> extractRequest(r -> completeWithFuture(guard(tokenization.detokenize(r)))))),
                path(PathMatchers.segment("admin").slash("promote"),
                        () -> post(() -> extractRequest(r -> completeWithFuture(guard(promote(r)))))));
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
                OpenAiResponses.models(state.current().stream().toList(), List.copyOf(aliases))));
    }

    /** {@code GET /v1/models/{id}} (the SDK's {@code models.retrieve}): the model served under {@code id}, or 404. */
    private CompletionStage<HttpResponse> model(String id) {
        return describe().thenApply(state -> {
            ModelVersion current = state.current().orElse(null);
            if (current == null || !serves(id, current)) {
                return HttpResponses.error(modelNotFound(id));
            }
            return HttpResponses.json(200, OpenAiResponses.modelCard(id, current));
        });
    }

    private boolean serves(String name, ModelVersion version) {
        return name.equals(version.name()) || aliases.contains(name);
    }

    private static ApiException modelNotFound(String name) {
        return new ApiException(404, "invalid_request_error",
                "The model `" + name + "` does not exist or you do not have access to it.", null, "model_not_found");
    }

    private CompletionStage<ServingState> describe() {
        return AskPattern.ask(server, ModelServer.Describe::new, Duration.ofSeconds(5), scheduler);
    }

    private CompletionStage<HttpResponse> completions(HttpRequest http) {
        long arrived = System.nanoTime();
        Deadline deadline = Deadline.in(config.requestTimeout());
        return readJson(http, deadline, true).thenCompose(body -> {
            CompletionRequest r = requests.completion(body);
            String id = OpenAiResponses.completionId();
            return generate(deadline, arrived, requestedModel(body), lease -> r.prompt(), "prompt", null, r.sampling(),
                    r.stream(), new Shape() {
                @Override
                public JsonNode whole(Served served) {
                    return OpenAiResponses.completion(id, served);
                }

                @Override
                public List<JsonNode> opening(ModelVersion v) {
                    return List.of();
                }

                @Override
                public JsonNode piece(ModelVersion v, String text) {
                    return OpenAiResponses.completionChunk(id, v, text, null);
                }

                @Override
                public List<JsonNode> closing(Served served) {
                    JsonNode last = OpenAiResponses.completionChunk(id, served.version(), "", served.generation().finishReason());
                    return r.includeUsage()
                            ? List.of(last, OpenAiResponses.usageChunk(id, "text_completion", served))
                            : List.of(last);
                }
            });
        });
    }

    private CompletionStage<HttpResponse> chat(HttpRequest http) {
        long arrived = System.nanoTime();
        Deadline deadline = Deadline.in(config.requestTimeout());
        return readJson(http, deadline, true).thenCompose(body -> {
            ChatRequest r = requests.chat(body);
            String id = OpenAiResponses.chatId();
            long contentChars = r.messages().stream().mapToLong(m -> m.content().length()).sum();
            return generate(deadline, arrived, requestedModel(body), lease -> {
                        // Rendering only adds text, so messages that alone cannot fit are refused before it.
                        long bound = (long) lease.model().contextLength() * PromptBudget.MAX_CHARS_PER_TOKEN;
                        if (contentChars > bound) {
                            throw PromptBudget.exceeded("messages", "This model's maximum context length is "
                                    + lease.model().contextLength() + " tokens. However, your messages have " + contentChars
                                    + " characters, more than it can hold. Please reduce the length of the messages.");
                        }
                        return lease.chatTemplate().render(r.messages());
                    }, "messages", r.image(), r.sampling(), r.stream(),
                    new Shape() {
                        @Override
                        public JsonNode whole(Served served) {
                            return OpenAiResponses.chatCompletion(id, served);
                        }

                        @Override
                        public List<JsonNode> opening(ModelVersion v) {
                            return List.of(OpenAiResponses.chatChunk(id, v, "assistant", "", null));
                        }

                        @Override
                        public JsonNode piece(ModelVersion v, String text) {
                            return OpenAiResponses.chatChunk(id, v, null, text, null);
                        }

                        @Override
                        public List<JsonNode> closing(Served served) {
                            JsonNode last = OpenAiResponses.chatChunk(id, served.version(), null, null,
                                    served.generation().finishReason());
                            return r.includeUsage()
                                    ? List.of(last, OpenAiResponses.usageChunk(id, "chat.completion.chunk", served))
                                    : List.of(last);
                        }
                    });
        });
    }

    /** How one endpoint renders a whole answer or the events of a streamed one. */
    private interface Shape {
        JsonNode whole(Served served);

        List<JsonNode> opening(ModelVersion version);

        JsonNode piece(ModelVersion version, String text);

        List<JsonNode> closing(Served served);
    }

    /** The {@code model} the client asked for (already checked to be a string), or null when it named none. */
    private static String requestedModel(JsonNode body) {
        JsonNode model = body.get("model");
        return model == null || model.isNull() ? null : model.textValue();
    }

    /** A checked request and the slot it runs in. */
    private record Ready(GenerationRequest request, Admitted admitted) {}

    /**
     * Leases the model, checks the requested name and the prompt against it (off the model slots, so a huge
     * prompt never holds one), then waits for a slot and generates; the deadline covers every stage.
     */
    private CompletionStage<HttpResponse> generate(Deadline deadline, long arrived, String requestedModel,
            Function<ModelLease, String> prompt, String promptParam, ImageInput image, SamplingOptions sampling,
            boolean stream, Shape shape) {
        if (draining.getAsBoolean()) {
            return CompletableFuture.failedFuture(InferenceService.shuttingDown());
        }
        if (inference.atCapacity()) {
            metrics.recordRejection("queue_full");
            return CompletableFuture.failedFuture(InferenceService.busy());
        }
        return inference.lease(deadline).thenCompose(lease -> {
            CompletableFuture<Ready> ready;
            if (requestedModel != null && !serves(requestedModel, lease.version())) {
                ready = CompletableFuture.failedFuture(modelNotFound(requestedModel));
            } else {
                ready = inference.prepare(lease, () -> prompt.apply(lease), image, sampling, promptParam, deadline)
                        .thenCompose(request -> inference.enter(lease, deadline, arrived)
                                .thenApply(admitted -> new Ready(request, admitted)));
            }
            return ready.whenComplete((r, failure) -> {
                if (failure != null) {
                    lease.close();
                }
            }).thenCompose(r -> stream
                    ? CompletableFuture.completedFuture(streamed(r.admitted(), r.request(), deadline, shape))
                    : inference.execute(r.admitted(), r.request(), null, deadline)
                            .thenApply(served -> HttpResponses.json(200, shape.whole(served))));
        });
    }

    /**
     * Starts the generation and answers at once with an SSE body fed token by token. The buffer holds
     * every token the request may produce, so a slow reader never drops one; a reader that leaves
     * closes the queue, which stops the generation at its next token.
     */
    private HttpResponse streamed(Admitted admitted, GenerationRequest request, Deadline deadline, Shape shape) {
        Pair<BoundedSourceQueue<ByteString>, Source<ByteString, NotUsed>> queueAndSource =
                Source.<ByteString>queue(2 * request.maxNewTokens() + 16).preMaterialize(materializer);
        BoundedSourceQueue<ByteString> queue = queueAndSource.first();
        ModelVersion version = admitted.lease().version();
        shape.opening(version).forEach(event -> queue.offer(event(event)));
        Consumer<String> onToken = piece -> {
            QueueOfferResult offered = queue.offer(event(shape.piece(version, piece)));
            if (!QueueOfferResult.enqueued().equals(offered)) {
                throw new GenerationCancelled("the client stopped reading the stream");
            }
        };
        inference.execute(admitted, request, onToken, deadline).whenComplete((served, failure) -> {
            if (failure == null) {
                shape.closing(served).forEach(event -> queue.offer(event(event)));
                queue.offer(DONE);
            } else {
                queue.offer(event(InferenceService.asApiException(InferenceService.unwrap(failure)).toJson()));
            }
            queue.complete();
        });
        return HttpResponse.create()
                .withStatus(200)
                .addHeader(RawHeader.create("Cache-Control", "no-cache"))
                .addHeader(RawHeader.create("X-Crucible-Model-Version", version.id()))
                .withEntity(HttpEntities.create(ContentTypes.create(MediaTypes.TEXT_EVENT_STREAM), queueAndSource.second()));
    }

    private static ByteString event(JsonNode payload) {
        return ByteString.fromString("data: " + HttpResponses.compact(payload) + "\n\n");
    }

    private CompletionStage<HttpResponse> promote(HttpRequest http) {
        if (config.adminToken().isEmpty()) {
            return CompletableFuture.failedFuture(new ApiException(403, "permission_error",
                    "The admin API is disabled; start the server with --admin-token-file or CRUCIBLE_ADMIN_TOKEN.", null,
                    "admin_disabled"));
        }
        if (!HttpResponses.bearerMatches(http.getHeader("Authorization").map(h -> h.value()), config.adminToken().get())) {
            http.discardEntityBytes(materializer);
            return CompletableFuture.failedFuture(new ApiException(401, "authentication_error",
                    "Missing or wrong admin token; send 'Authorization: Bearer <token>'.", null, "invalid_api_key"));
        }
        return readJson(http, Deadline.in(config.requestTimeout()), false).thenCompose(body -> {
            Path path = PromotionRequests.path(body);
            CompletionStage<PromotionResult> result = AskPattern.ask(server,
                    replyTo -> new ModelServer.Promote(path, replyTo), promoteTimeout, scheduler);
            return result.thenApply(outcome -> switch (outcome) {
                case PromotionResult.Promoted p -> {
                    ObjectNode json = JsonNodeFactory.instance.objectNode();
                    json.put("version", p.version().id());
                    json.put("model", p.version().name());
                    json.put("path", p.version().path().toString());
                    p.previous().ifPresentOrElse(prev -> json.put("previous", prev.id()), () -> json.putNull("previous"));
                    json.put("load_seconds", p.took().toNanos() / 1e9);
                    yield HttpResponses.json(200, json);
                }
                case PromotionResult.Failed failed -> HttpResponses.error(new ApiException(failed.status(),
                        failed.status() >= 500 ? "server_error" : "invalid_request_error", failed.message(), "path", failed.code()));
            });
        });
    }

    /**
     * The body as JSON: 415 unless it is sent as JSON (when {@code jsonTypeOnly}; the admin API also reads
     * {@code curl -d}'s form type), 413 past the size limit (checked before reading when the
     * length is declared, while reading when it is chunked), 400 with a plain message if it does not parse.
     */
    private CompletionStage<JsonNode> readJson(HttpRequest http, Deadline deadline, boolean jsonTypeOnly) {
        MediaType type = http.entity().getContentType().mediaType();
        boolean json = type.mainType().equals("application")
                && (type.subType().equals("json") || type.subType().endsWith("+json"));
        // Pekko reports a body sent without Content-Type as application/octet-stream: read it as JSON, as vLLM does.
        if (jsonTypeOnly && !json && !type.equals(MediaTypes.APPLICATION_OCTET_STREAM)) {
            http.discardEntityBytes(materializer);
            return CompletableFuture.failedFuture(new ApiException(415, "invalid_request_error",
                    "Unsupported Content-Type " + type + "; send the body as JSON with 'Content-Type: application/json'.",
                    null, "unsupported_media_type"));
        }
        long limit = config.maxBodyBytes();
        OptionalLong declared = http.entity().getContentLengthOption();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            http.discardEntityBytes(materializer);
            return CompletableFuture.failedFuture(tooLarge(declared.getAsLong()));
        }
        return http.entity()
                .withSizeLimit(limit)
                .toStrict(Math.max(1, deadline.remaining().toMillis()), limit, materializer)
                .handle((strict, failure) -> {
                    if (failure != null) {
                        Optional<EntityStreamSizeException> size = sizeFailure(failure);
                        if (size.isPresent()) {
                            throw tooLarge(size.get().actualSize().isDefined() ? (Long) size.get().actualSize().get() : -1);
                        }
                        if (InferenceService.unwrap(failure) instanceof TimeoutException) {
                            throw InferenceService.timeout("reading the request body");
                        }
                        throw new ApiException(400, "invalid_request_error",
                                "Could not read the request body; send it again as one JSON object.", null, "invalid_body");
                    }
                    return JsonBodies.parse(strict.getData().toArray());
                });
    }

    /** The size failure somewhere in {@code failure}'s causes: chunked bodies report it wrapped. */
    private static Optional<EntityStreamSizeException> sizeFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof EntityStreamSizeException size) {
                return Optional.of(size);
            }
        }
        return Optional.empty();
    }

    private ApiException tooLarge(long size) {
        return new ApiException(413, "invalid_request_error", "The request body " + (size > 0 ? "(" + size + " bytes) " : "")
                + "exceeds the limit of " + config.maxBodyBytes() + " bytes.", null, "request_too_large");
    }

    /** Turns any failure of an endpoint's future into its OpenAI error response. */
    private static CompletionStage<HttpResponse> guard(CompletionStage<HttpResponse> response) {
        return response.exceptionally(failure -> HttpResponses.error(InferenceService.asApiException(InferenceService.unwrap(failure))));
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
