package dev.crucible.serve;

import dev.crucible.error.CrucibleException;
import dev.crucible.metrics.CrucibleMetrics;
import dev.crucible.runtime.Generation;
import dev.crucible.runtime.GenerationRequest;
import dev.crucible.runtime.ImageInput;
import dev.crucible.runtime.LanguageModel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Runs one request against the served model, independent of HTTP: admission (slot or 429), a lease
 * on the current version, prompt checks against that version, then generation on the blocking
 * executor with a deadline (504). Slot and lease are returned when the model work ends, not when
 * the caller stops waiting, so a timed-out request still counts until the model is free again.
 */
public final class InferenceService {

    private final ActorRef<ModelServer.Command> server;
    private final Scheduler scheduler;
    private final AdmissionControl admission;
    private final Executor blocking;
    private final CrucibleMetrics metrics;
    private final int maxTokensCap;
    private final GenerationBatcher batcher;

    public InferenceService(ActorRef<ModelServer.Command> server, Scheduler scheduler, AdmissionControl admission,
            Executor blocking, CrucibleMetrics metrics, int maxTokensCap, int maxBatch) {
        this.server = server;
        this.scheduler = scheduler;
        this.admission = admission;
        this.blocking = blocking;
        this.metrics = metrics;
        this.maxTokensCap = maxTokensCap;
        this.batcher = new GenerationBatcher(blocking, maxBatch);
    }

    /** Waits for a slot, then leases the current model. Fails with a 429, 503 or 504 {@link ApiException}. */
    public CompletableFuture<Admitted> admit(Deadline deadline) {
        if (admission.isClosed()) {
            return CompletableFuture.failedFuture(new ApiException(503, "server_error",
                    "The server is shutting down; retry on another replica.", null, "shutting_down"));
        }
        Optional<CompletableFuture<AdmissionControl.Permit>> ticket = admission.tryEnter();
        if (ticket.isEmpty()) {
            metrics.recordRejection("queue_full");
            return CompletableFuture.failedFuture(new ApiException(429, "rate_limit_error",
                    "The server is at capacity (all model slots busy and the queue full); retry shortly.", null, "server_busy"));
        }
        Duration wait = deadline.remaining();
        CompletableFuture<AdmissionControl.Permit> permit = ticket.get().orTimeout(wait.toNanos(), TimeUnit.NANOSECONDS);
        return permit.handle((p, failure) -> {
            if (failure != null) {
                metrics.recordRejection("timeout");
                throw timeout("waiting for a model slot");
            }
            return p;
        }).thenCompose(p -> lease(deadline).handle((lease, failure) -> {
            if (failure != null) {
                p.close();
                throw failure instanceof CompletionException ce ? ce : new CompletionException(failure);
            }
            return new Admitted(p, lease, System.nanoTime());
        }));
    }

    private CompletableFuture<ModelLease> lease(Deadline deadline) {
        Duration wait = deadline.remaining().plusSeconds(1);
        return AskPattern.<ModelServer.Command, ModelServer.LeaseReply>ask(server, ModelServer.Acquire::new, wait, scheduler)
                .toCompletableFuture()
                .thenApply(reply -> switch (reply) {
                    case ModelServer.Leased leased -> leased.lease();
                    case ModelServer.Unavailable u -> throw new ApiException(503, "server_error",
                            "No model is available: " + u.reason() + ".", null, "model_unavailable");
                });
    }

    /**
     * Checks the prompt against the leased model (images, context length) and builds the request;
     * runs on the blocking executor because tokenizing a long prompt is real work.
     */
    public CompletableFuture<GenerationRequest> prepare(Admitted admitted, String prompt, ImageInput image, SamplingOptions s) {
        return CompletableFuture.supplyAsync(() -> {
            LanguageModel model = admitted.lease().model();
            if (image != null && !model.supportsImages()) {
                throw ApiException.invalid("messages", "Model '" + model.name() + "' does not accept images.");
            }
            int context = model.contextLength();
            int promptTokens = model.tokenizer().encode(prompt, true).length;
            int maxTokens = s.maxTokens() > 0 ? s.maxTokens() : Math.min(maxTokensCap, context - promptTokens);
            if (promptTokens >= context || promptTokens + maxTokens > context) {
                throw new ApiException(400, "invalid_request_error",
                        "This model's maximum context length is " + context + " tokens. However, you requested "
                                + (promptTokens + maxTokens) + " tokens (" + promptTokens + " in the prompt, " + maxTokens
                                + " for the completion). Please reduce the prompt or max_tokens.",
                        "max_tokens", "context_length_exceeded");
            }
            return new GenerationRequest(prompt, image, maxTokens, s.temperature(), s.topP(), s.topK(), s.seed(), s.stop());
        }, blocking);
    }

    /**
     * Generates on the leased model. With {@code onToken} each text piece is passed on as it is
     * produced (the callback may throw {@link GenerationCancelled} when its client is gone); without
     * it the request may share a batched forward pass with others on the same model. Closes
     * {@code admitted} when the model work ends. Fails with a 504 {@link ApiException} at the
     * deadline; a streamed generation then stops at its next token, a batched one leaves the queue
     * if its batch has not started (one that has keeps its slot and lease until the batch ends).
     */
    public CompletableFuture<Served> execute(Admitted admitted, GenerationRequest request, Consumer<String> onToken,
            Deadline deadline) {
        AtomicReference<String> cancelled = new AtomicReference<>();
        LanguageModel model = admitted.lease().model();
        long start = System.nanoTime();
        CompletableFuture<Generation> work;
        if (onToken == null) {
            work = batcher.submit(model, request);
        } else {
            work = CompletableFuture.supplyAsync(() -> {
                boolean[] first = {true};
                return model.generateStreaming(request, piece -> {
                    if (cancelled.get() != null) {
                        throw new GenerationCancelled(cancelled.get());
                    }
                    if (first[0]) {
                        first[0] = false;
                        metrics.recordTimeToFirstToken(Duration.ofNanos(System.nanoTime() - admitted.admittedAtNanos()));
                    }
                    onToken.accept(piece);
                });
            }, blocking);
        }
        work.whenComplete((g, failure) -> {
            admitted.close();
            if (g != null) {
                metrics.recordGeneration(g.promptTokens(), g.completionTokens(), Duration.ofNanos(System.nanoTime() - start));
            }
        });
        return work.copy()
                .orTimeout(deadline.remaining().toNanos(), TimeUnit.NANOSECONDS)
                .handle((g, failure) -> {
                    if (failure == null) {
                        return new Served(g, admitted.lease().version());
                    }
                    Throwable cause = unwrap(failure);
                    if (cause instanceof TimeoutException) {
                        cancelled.set("the request deadline passed");
                        if (onToken == null) {
                            batcher.withdraw(model, work, new GenerationCancelled("the request deadline passed"));
                        }
                        metrics.recordRejection("timeout");
                        throw timeout("generating");
                    }
                    throw asApiException(cause);
                });
    }

    /** The executor for model work that blocks (tokenizing, generating). */
    Executor blocking() {
        return blocking;
    }

    /** The error a failure of model work maps to. */
    static ApiException asApiException(Throwable cause) {
        return switch (cause) {
            case ApiException api -> api;
            case GenerationCancelled gc -> new ApiException(504, "timeout_error",
                    "Generation stopped: " + gc.getMessage() + ".", null, "cancelled");
            case CrucibleException ce -> new ApiException(400, "invalid_request_error", ce.getMessage(), null, "invalid_request");
            default -> new ApiException(500, "server_error", "The model failed: " + cause, null, "model_error");
        };
    }

    static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static ApiException timeout(String what) {
        return new ApiException(504, "timeout_error", "The request timed out while " + what + ".", null, "request_timeout");
    }
}
