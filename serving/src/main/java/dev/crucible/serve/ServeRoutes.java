package dev.crucible.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.metrics.CrucibleMetrics;
import dev.crucible.runtime.GenerationRequest;
import dev.crucible.runtime.ImageInput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
 * The HTTP API: OpenAI-compatible completions and chat (JSON or Server-Sent Events), model listing,
 * probes, Prometheus metrics and the token-protected promotion endpoint. Every response, errors
 * included, is counted in {@code crucible_http_server_requests_seconds} by route and status.
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

    public ServeRoutes(ServeConfig config, InferenceService inference, ActorRef<ModelServer.Command> server,
            Scheduler scheduler, CrucibleMetrics metrics, Materializer materializer, Duration promoteTimeout) {
        this.config = config;
        this.inference = inference;
        this.server = server;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.materializer = materializer;
        this.requests = new OpenAiRequests(config.maxNewTokensCap());
        this.promoteTimeout = promoteTimeout;
        this.tokenization = new TokenizationRoutes(server, scheduler, inference.blocking(), config.maxNewTokensCap(), this::readJson);
    }

    public Route route() {
        return extractRequest(request -> {
            long start = System.nanoTime();
            String path = request.getUri().path();
            String label = ROUTES.contains(path) ? path : "unmatched";
            String method = request.method().value();
            return mapResponse(response -> {
                metrics.recordRequest(label, method, response.status().intValue(), Duration.ofNanos(System.nanoTime() - start));
                return response;
            }, () -> handleExceptions(exceptionHandler(), () -> handleRejections(rejectionHandler(), this::endpoints)));
        });
    }

    private Route endpoints() {
        return concat(
                path("health", () -> get(() -> complete(HttpResponses.json(200, status("ok"))))),
                path("ready", () -> get(() -> completeWithFuture(ready()))),
                path("metrics", () -> get(() -> complete(
                        HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8, metrics.scrape())))),
                path(PathMatchers.segment("v1").slash("models"), () -> get(() -> completeWithFuture(models()))),
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
        return describe().thenApply(state -> state.current()
                .map(v -> HttpResponses.json(200, status("ready").put("version", v.id())))
                .orElseGet(() -> HttpResponses.json(503, status(state.promoting() ? "loading" : "no model"))));
    }

    private CompletionStage<HttpResponse> models() {
        return describe().thenApply(state -> HttpResponses.json(200, OpenAiResponses.models(state.current().stream().toList())));
    }

    private CompletionStage<ServingState> describe() {
        return AskPattern.ask(server, ModelServer.Describe::new, Duration.ofSeconds(5), scheduler);
    }

    private CompletionStage<HttpResponse> completions(HttpRequest http) {
        Deadline deadline = Deadline.in(config.requestTimeout());
        return readJson(http).thenCompose(body -> {
            CompletionRequest r = requests.completion(body);
            String id = OpenAiResponses.completionId();
            return generate(deadline, lease -> r.prompt(), null, r.sampling(), r.stream(), new Shape() {
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
        Deadline deadline = Deadline.in(config.requestTimeout());
        return readJson(http).thenCompose(body -> {
            ChatRequest r = requests.chat(body);
            String id = OpenAiResponses.chatId();
            return generate(deadline, lease -> lease.chatTemplate().render(r.messages()), r.image(), r.sampling(), r.stream(),
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

    private CompletionStage<HttpResponse> generate(Deadline deadline, Function<ModelLease, String> prompt, ImageInput image,
            SamplingOptions sampling, boolean stream, Shape shape) {
        return inference.admit(deadline).thenCompose(admitted -> {
            CompletableFuture<GenerationRequest> prepared;
            try {
                prepared = inference.prepare(admitted, prompt.apply(admitted.lease()), image, sampling);
            } catch (RuntimeException e) {
                prepared = CompletableFuture.failedFuture(e);
            }
            return prepared.handle((request, failure) -> {
                if (failure != null) {
                    admitted.close();
                    throw InferenceService.asApiException(InferenceService.unwrap(failure));
                }
                return request;
            }).thenCompose(request -> stream
                    ? CompletableFuture.completedFuture(streamed(admitted, request, deadline, shape))
                    : inference.execute(admitted, request, null, deadline)
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
        if (!authorised(http, config.adminToken().get())) {
            http.discardEntityBytes(materializer);
            return CompletableFuture.failedFuture(new ApiException(401, "authentication_error",
                    "Missing or wrong admin token; send 'Authorization: Bearer <token>'.", null, "invalid_api_key"));
        }
        return readJson(http).thenCompose(body -> {
            if (body == null || !body.isObject()) {
                throw new ApiException(400, "invalid_request_error", "The request body must be a JSON object.", null, "invalid_json");
            }
            JsonFields f = new JsonFields(body, "");
            f.rejectUnknown(Set.of("path"));
            Path path;
            try {
                path = Path.of(f.requiredString("path"));
            } catch (InvalidPathException e) {
                throw ApiException.invalid("path", "Invalid 'path': " + e.getMessage() + ".");
            }
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

    private static boolean authorised(HttpRequest http, String token) {
        Optional<String> header = http.getHeader("Authorization").map(h -> h.value());
        if (header.isEmpty() || !header.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = header.get().substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token.getBytes(StandardCharsets.UTF_8));
    }

    /** The body as JSON: 413 past the size limit (checked before reading when the length is declared), 400 if unparsable. */
    private CompletionStage<JsonNode> readJson(HttpRequest http) {
        long limit = config.maxBodyBytes();
        OptionalLong declared = http.entity().getContentLengthOption();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            http.discardEntityBytes(materializer);
            return CompletableFuture.failedFuture(tooLarge(declared.getAsLong()));
        }
        return http.entity()
                .toStrict(config.requestTimeout().toMillis(), limit, materializer)
                .handle((strict, failure) -> {
                    if (failure != null) {
                        Throwable cause = InferenceService.unwrap(failure);
                        if (cause instanceof EntityStreamSizeException size) {
                            throw tooLarge(size.actualSize().isDefined() ? (Long) size.actualSize().get() : -1);
                        }
                        throw new ApiException(400, "invalid_request_error", "Could not read the request body: " + cause.getMessage(),
                                null, "invalid_body");
                    }
                    try {
                        return HttpResponses.MAPPER.readTree(strict.getData().toArray());
                    } catch (JsonProcessingException e) {
                        throw new ApiException(400, "invalid_request_error",
                                "We could not parse the JSON body of your request: " + e.getOriginalMessage()
                                        + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ").",
                                null, "invalid_json");
                    } catch (IOException e) {
                        throw new ApiException(400, "invalid_request_error", "Could not read the request body: " + e.getMessage(),
                                null, "invalid_body");
                    }
                });
    }

    private ApiException tooLarge(long size) {
        return new ApiException(413, "invalid_request_error", "The request body " + (size >= 0 ? "(" + size + " bytes) " : "")
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
