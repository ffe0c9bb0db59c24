package dev.crucible.serve.inference;

import dev.crucible.error.Causes;
import dev.crucible.error.CrucibleException;
import dev.crucible.metrics.CrucibleMetrics;
import dev.crucible.runtime.Generation;
import dev.crucible.runtime.GenerationRequest;
import dev.crucible.runtime.ImageInput;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.serve.model.ModelLease;
import dev.crucible.serve.model.ModelServer;
import dev.crucible.serve.model.Served;
import dev.crucible.serve.openai.ApiException;
import dev.crucible.serve.openai.SamplingOptions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
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
    private final Executor promptExecutor;

    public InferenceService(ActorRef<ModelServer.Command> server, Scheduler scheduler, AdmissionControl admission,
            Executor blocking, CrucibleMetrics metrics, int maxTokensCap, int maxBatch) {
        this(server, scheduler, admission, blocking, blocking, metrics, maxTokensCap, maxBatch);
    }

    /** {@code promptExecutor} renders, tokenizes and checks prompts, apart from the threads the model work uses. */
    public InferenceService(ActorRef<ModelServer.Command> server, Scheduler scheduler, AdmissionControl admission,
            Executor blocking, Executor promptExecutor, CrucibleMetrics metrics, int maxTokensCap, int maxBatch) {
        this.promptExecutor = promptExecutor;
        this.server = server;
        this.scheduler = scheduler;
        this.admission = admission;
        this.blocking = blocking;
        this.metrics = metrics;
        this.maxTokensCap = maxTokensCap;
        this.batcher = new GenerationBatcher(blocking, maxBatch);
    }

    /** Whether a request arriving now would be refused at once (all slots busy and the queue full). */
    public boolean atCapacity() {
        return admission.isFull();
    }

    /**
     * Leases the current model without taking a slot, so the prompt can be checked against it first.
     * Fails with a 503 {@link ApiException} when shutting down or no model is loaded.
     */
    public CompletableFuture<ModelLease> lease(Deadline deadline) {
        if (admission.isClosed()) {
            return CompletableFuture.failedFuture(shuttingDown());
        }
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
     * Builds the prompt ({@code prompt} may render a chat template) and checks it against the leased model
     * (images, context length) on the prompt executor, before the request takes a model slot: a prompt that
     * cannot fit is refused without queueing, in time linear in its length ({@link PromptBudget}). Fails
     * with a 504 at the deadline.
     */
    public CompletableFuture<GenerationRequest> prepare(ModelLease lease, Supplier<String> prompt, ImageInput image,
            SamplingOptions s, String param, Deadline deadline) {
        return CompletableFuture.supplyAsync(() -> {
            if (deadline.passed()) {
                throw timeout("checking the prompt");
            }
            LanguageModel model = lease.model();
            if (image != null && !model.supportsImages()) {
                throw ApiException.invalid("messages", "Model '" + model.name() + "' does not accept images.");
            }
            String text = prompt.get();
            int context = model.contextLength();
            int promptTokens = PromptBudget.promptTokens(model.tokenizer(), context, text, s.maxTokens(), param);
            int maxTokens = s.maxTokens() > 0 ? s.maxTokens() : Math.min(maxTokensCap, context - promptTokens);
            if (promptTokens >= context || promptTokens + maxTokens > context) {
                throw PromptBudget.exceeded(s.maxTokens() > 0 ? "max_tokens" : param,
                        "This model's maximum context length is " + context + " tokens. However, you requested "
                                + (promptTokens + maxTokens) + " tokens (" + promptTokens + " in the prompt, " + maxTokens
                                + " for the completion). Please reduce the prompt or max_tokens.");
            }
            return new GenerationRequest(text, image, maxTokens, s.temperature(), s.topP(), s.topK(), s.seed(), s.stop());
        }, promptExecutor).orTimeout(deadline.remaining().toNanos(), TimeUnit.NANOSECONDS).handle((request, failure) -> {
            if (failure == null) {
                return request;
            }
            Throwable cause = Causes.unwrap(failure);
            if (cause instanceof TimeoutException) {
                metrics.recordRejection("timeout");
                throw timeout("checking the prompt");
            }
            throw asApiException(cause);
        });
    }

    /**
     * Waits for a model slot for a request that holds {@code lease} (429 when the queue is full, 503 when
     * shutting down, 504 at the deadline). The lease stays the caller's to close if this fails.
     */
    public CompletableFuture<Admitted> enter(ModelLease lease, Deadline deadline, long arrivedAtNanos) {
        if (admission.isClosed()) {
            return CompletableFuture.failedFuture(shuttingDown());
        }
        Optional<CompletableFuture<AdmissionControl.Permit>> ticket = admission.tryEnter();
        if (ticket.isEmpty()) {
            if (admission.isClosed()) {
                return CompletableFuture.failedFuture(shuttingDown());
            }
            metrics.recordRejection("queue_full");
            return CompletableFuture.failedFuture(busy());
        }
        long queuedAt = System.nanoTime();
        Duration wait = deadline.remaining();
        return ticket.get().orTimeout(wait.toNanos(), TimeUnit.NANOSECONDS).handle((p, failure) -> {
            if (failure != null) {
                metrics.recordRejection("timeout");
                throw timeout("waiting for a model slot");
            }
            long now = System.nanoTime();
            metrics.recordQueueTime(Duration.ofNanos(now - queuedAt));
            return new Admitted(p, lease, arrivedAtNanos, now);
        });
    }

    public static ApiException busy() {
        return new ApiException(429, "rate_limit_error",
                "The server is at capacity (all model slots busy and the queue full); retry shortly.", null, "server_busy");
    }

    public static ApiException shuttingDown() {
        return new ApiException(503, "server_error", "The server is shutting down; retry on another replica.", null,
                "shutting_down");
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
        AtomicLong firstTokenAt = new AtomicLong();
        Runnable firstToken = () -> {
            if (firstTokenAt.compareAndSet(0, System.nanoTime())) {
                metrics.recordRequestTimeToFirstToken(Duration.ofNanos(firstTokenAt.get() - admitted.arrivedAtNanos()));
            }
        };
        CompletableFuture<Generation> work;
        if (onToken == null) {
            work = batcher.submit(model, request, firstToken);
        } else {
            work = CompletableFuture.supplyAsync(() -> {
                boolean[] first = {true};
                return model.generateStreaming(request, piece -> {
                    if (cancelled.get() != null) {
                        throw new GenerationCancelled(cancelled.get());
                    }
                    if (first[0]) {
                        first[0] = false;
                        firstToken.run();
                        metrics.recordTimeToFirstToken(Duration.ofNanos(System.nanoTime() - admitted.admittedAtNanos()));
                    }
                    onToken.accept(piece);
                });
            }, blocking);
        }
        work.whenComplete((g, failure) -> {
            admitted.close();
            long end = System.nanoTime();
            if (g != null) {
                metrics.recordGeneration(g.promptTokens(), g.completionTokens(), Duration.ofNanos(end - start));
                long first = firstTokenAt.get();
                metrics.recordFinished(g.finishReason(), g.promptTokens(), g.completionTokens(),
                        first == 0 ? null : Duration.ofNanos(end - first));
            } else {
                metrics.recordFinished("abort", 0, 0, null);
            }
        });
        return work.copy()
                .orTimeout(deadline.remaining().toNanos(), TimeUnit.NANOSECONDS)
                .handle((g, failure) -> {
                    if (failure == null) {
                        return new Served(g, admitted.lease().version());
                    }
                    Throwable cause = Causes.unwrap(failure);
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
    public Executor blocking() {
        return blocking;
    }

    /** The error a failure of model work maps to. */
    public static ApiException asApiException(Throwable cause) {
        return switch (cause) {
            case ApiException api -> api;
            case GenerationCancelled gc -> new ApiException(504, "timeout_error",
                    "Generation stopped: " + gc.getMessage() + ".", null, "cancelled");
            case CrucibleException ce -> new ApiException(400, "invalid_request_error", ce.getMessage(), null, "invalid_request");
            default -> new ApiException(500, "server_error", "The model failed: " + cause, null, "model_error");
        };
    }

    public static ApiException timeout(String what) {
        return new ApiException(504, "timeout_error", "The request timed out while " + what + ".", null, "request_timeout");
    }
}
