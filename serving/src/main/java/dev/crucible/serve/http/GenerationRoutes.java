package dev.crucible.serve.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.metrics.CrucibleMetrics;
import dev.crucible.runtime.GenerationRequest;
import dev.crucible.runtime.ImageInput;
import dev.crucible.serve.inference.Admitted;
import dev.crucible.serve.inference.Deadline;
import dev.crucible.serve.inference.InferenceService;
import dev.crucible.serve.inference.PromptBudget;
import dev.crucible.serve.model.ModelLease;
import dev.crucible.serve.model.ModelVersion;
import dev.crucible.serve.model.Served;
import dev.crucible.serve.openai.ChatRequest;
import dev.crucible.serve.openai.CompletionRequest;
import dev.crucible.serve.openai.OpenAiRequests;
import dev.crucible.serve.openai.SamplingOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/**
 * {@code POST /v1/completions} and {@code POST /v1/chat/completions}: the body parsed, the model leased and
 * the prompt checked against it, a slot taken, then one JSON answer or an SSE stream ({@link EventStream}).
 */
final class GenerationRoutes {

    private final Duration requestTimeout;
    private final OpenAiRequests requests;
    private final InferenceService inference;
    private final CrucibleMetrics metrics;
    private final BooleanSupplier draining;
    private final ServedNames names;
    private final RequestBodies bodies;
    private final EventStream events;

    GenerationRoutes(Duration requestTimeout, int maxNewTokensCap, InferenceService inference, CrucibleMetrics metrics,
            BooleanSupplier draining, ServedNames names, RequestBodies bodies, EventStream events) {
        this.requestTimeout = requestTimeout;
        this.requests = new OpenAiRequests(maxNewTokensCap);
        this.inference = inference;
        this.metrics = metrics;
        this.draining = draining;
        this.names = names;
        this.bodies = bodies;
        this.events = events;
    }

    CompletionStage<HttpResponse> completions(HttpRequest http) {
        long arrived = System.nanoTime();
        Deadline deadline = Deadline.in(requestTimeout);
        return bodies.readJson(http, deadline, true).thenCompose(body -> {
            CompletionRequest r = requests.completion(body);
            String id = OpenAiResponses.completionId();
            return generate(deadline, arrived, requestedModel(body), lease -> r.prompt(), "prompt", null, r.sampling(),
                    r.stream(), new ResponseShape() {
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

    CompletionStage<HttpResponse> chat(HttpRequest http) {
        long arrived = System.nanoTime();
        Deadline deadline = Deadline.in(requestTimeout);
        return bodies.readJson(http, deadline, true).thenCompose(body -> {
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
                    new ResponseShape() {
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
            boolean stream, ResponseShape shape) {
        if (draining.getAsBoolean()) {
            return CompletableFuture.failedFuture(InferenceService.shuttingDown());
        }
        if (inference.atCapacity()) {
            metrics.recordRejection("queue_full");
            return CompletableFuture.failedFuture(InferenceService.busy());
        }
        return inference.lease(deadline).thenCompose(lease -> {
            CompletableFuture<Ready> ready;
            if (requestedModel != null && !names.serves(requestedModel, lease.version())) {
                ready = CompletableFuture.failedFuture(ServedNames.notFound(requestedModel));
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
                    ? CompletableFuture.completedFuture(events.start(r.admitted(), r.request(), deadline, shape))
                    : inference.execute(r.admitted(), r.request(), null, deadline)
                            .thenApply(served -> HttpResponses.json(200, shape.whole(served))));
        });
    }
}
