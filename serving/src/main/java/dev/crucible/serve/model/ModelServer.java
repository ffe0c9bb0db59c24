package dev.crucible.serve.model;

import dev.crucible.error.Causes;
import dev.crucible.metrics.CrucibleMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Owns the served model. Requests lease the current version; a promotion loads and validates the
 * next checkpoint on the blocking executor, then switches in one message, so no request ever sees a
 * half-swapped state. A replaced model is closed once the last lease taken on it is released.
 */
public final class ModelServer extends AbstractBehavior<ModelServer.Command> {

    /** Everything the model server understands. */
    public sealed interface Command {}

    /** Lease the current model for one request. */
    public record Acquire(ActorRef<LeaseReply> replyTo) implements Command {}

    /** Load, validate and switch to the checkpoint at {@code path}. */
    public record Promote(Path path, ActorRef<PromotionResult> replyTo) implements Command {}

    /** Report the current version and how many replaced models are still draining. */
    public record Describe(ActorRef<ServingState> replyTo) implements Command {}

    /** Stop leasing, close every model once its requests finish, then answer. */
    public record Shutdown(ActorRef<Done> replyTo) implements Command {}

    private record Released(int version) implements Command {}

    private record LoadFinished(Path path, LoadedModel loaded, Throwable failure, Duration took,
            ActorRef<PromotionResult> replyTo) implements Command {}

    private record Closed(int version) implements Command {}

    /** The answer to {@link Acquire}. */
    public sealed interface LeaseReply {}

    /** A lease on the current model; the caller must close it when the request is done. */
    public record Leased(ModelLease lease) implements LeaseReply {}

    /** No model can be leased (none loaded yet, or shutting down). */
    public record Unavailable(String reason) implements LeaseReply {}

    /** A served or draining model and the number of open leases on it. */
    private static final class Entry {
        final ModelVersion version;
        final LoadedModel loaded;
        int leases;

        Entry(ModelVersion version, LoadedModel loaded) {
            this.version = version;
            this.loaded = loaded;
        }
    }

    private final ModelValidator validator;
    private final Executor blocking;
    private final CrucibleMetrics metrics;
    private final Map<Integer, Entry> retiring = new HashMap<>();
    private final List<ActorRef<Done>> shutdownWaiters = new ArrayList<>();
    private Entry current;
    private int lastVersion;
    private boolean promoting;
    private boolean stopping;
    private int closesPending;

    /** The behaviour; {@code blocking} runs loads and closes, never the actor's own dispatcher. */
    public static Behavior<Command> create(CheckpointLoader loader, String smokePrompt, Executor blocking, CrucibleMetrics metrics) {
        return create(loader, smokePrompt, Optional.empty(), blocking, metrics);
    }

    /** As above; {@code chatTemplate} (the {@code --chat-template} file) replaces every loaded model's own template. */
    public static Behavior<Command> create(CheckpointLoader loader, String smokePrompt, Optional<Path> chatTemplate,
            Executor blocking, CrucibleMetrics metrics) {
        return Behaviors.setup(ctx -> new ModelServer(ctx, new ModelValidator(loader, smokePrompt, chatTemplate), blocking, metrics));
    }

    private ModelServer(ActorContext<Command> ctx, ModelValidator validator, Executor blocking, CrucibleMetrics metrics) {
        super(ctx);
        this.validator = validator;
        this.blocking = blocking;
        this.metrics = metrics;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Acquire.class, this::onAcquire)
                .onMessage(Released.class, this::onReleased)
                .onMessage(Promote.class, this::onPromote)
                .onMessage(LoadFinished.class, this::onLoadFinished)
                .onMessage(Closed.class, this::onClosed)
                .onMessage(Describe.class, this::onDescribe)
                .onMessage(Shutdown.class, this::onShutdown)
                .build();
    }

    private Behavior<Command> onAcquire(Acquire msg) {
        if (stopping) {
            msg.replyTo().tell(new Unavailable("the server is shutting down"));
        } else if (current == null) {
            msg.replyTo().tell(new Unavailable(promoting ? "the model is still loading" : "no model is loaded"));
        } else {
            Entry entry = current;
            entry.leases++;
            ActorRef<Command> self = getContext().getSelf();
            int number = entry.version.number();
            msg.replyTo().tell(new Leased(new ModelLease(entry.loaded.model(), entry.version,
                    entry.loaded.chatTemplate(), () -> self.tell(new Released(number)))));
        }
        return this;
    }

    private Behavior<Command> onReleased(Released msg) {
        if (current != null && current.version.number() == msg.version()) {
            current.leases--;
            return this;
        }
        Entry entry = retiring.get(msg.version());
        if (entry != null) {
            entry.leases--;
            if (entry.leases == 0) {
                retiring.remove(msg.version());
                metrics.recordRetiringModels(retiring.size());
                closeLater(entry);
            }
        }
        return this;
    }

    private Behavior<Command> onPromote(Promote msg) {
        if (stopping) {
            msg.replyTo().tell(new PromotionResult.Failed(503, "shutting_down", "the server is shutting down"));
            return this;
        }
        if (promoting) {
            msg.replyTo().tell(new PromotionResult.Failed(409, "promotion_in_progress",
                    "another promotion is loading; retry when it has finished"));
            return this;
        }
        promoting = true;
        Path path = msg.path().toAbsolutePath().normalize();
        long start = System.nanoTime();
        CompletableFuture<LoadedModel> load = CompletableFuture.supplyAsync(() -> validator.loadAndValidate(path), blocking);
        getContext().pipeToSelf(load, (loaded, failure) ->
                new LoadFinished(path, loaded, failure, Duration.ofNanos(System.nanoTime() - start), msg.replyTo()));
        return this;
    }

    private Behavior<Command> onLoadFinished(LoadFinished msg) {
        promoting = false;
        if (msg.failure() != null) {
            Throwable cause = Causes.unwrap(msg.failure());
            metrics.recordSwap(false, msg.took());
            getContext().getLog().warn("promotion of {} failed: {}", msg.path(), cause.getMessage());
            msg.replyTo().tell(cause instanceof PromotionException pe
                    ? new PromotionResult.Failed(pe.status(), pe.code(), pe.getMessage())
                    : new PromotionResult.Failed(500, "model_load_failed", "loading " + msg.path() + " failed: " + cause));
            maybeFinishShutdown();
            return this;
        }
        ModelVersion version = new ModelVersion(++lastVersion, msg.loaded().model().name(), msg.path(), Instant.now());
        Entry next = new Entry(version, msg.loaded());
        if (stopping) {
            closeLater(next);
            msg.replyTo().tell(new PromotionResult.Failed(503, "shutting_down", "the server is shutting down"));
            return this;
        }
        Entry previous = current;
        current = next;
        if (previous != null) {
            retire(previous);
        }
        metrics.recordSwap(true, msg.took());
        metrics.recordServedModel(version.id(), version.name(), version.path().toString());
        getContext().getLog().info("now serving {} ({}) from {}, loaded in {} ms", version.id(), version.name(),
                version.path(), msg.took().toMillis());
        msg.replyTo().tell(new PromotionResult.Promoted(version, Optional.ofNullable(previous).map(e -> e.version), msg.took()));
        return this;
    }

    private void retire(Entry entry) {
        if (entry.leases == 0) {
            closeLater(entry);
        } else {
            retiring.put(entry.version.number(), entry);
            metrics.recordRetiringModels(retiring.size());
        }
    }

    private void closeLater(Entry entry) {
        closesPending++;
        int number = entry.version.number();
        CompletableFuture<Void> close = CompletableFuture.runAsync(() -> entry.loaded.model().close(), blocking);
        getContext().pipeToSelf(close, (ok, failure) -> {
            if (failure != null) {
                getContext().getLog().warn("closing model v{} failed: {}", number, failure.toString());
            }
            return new Closed(number);
        });
    }

    private Behavior<Command> onClosed(Closed msg) {
        closesPending--;
        getContext().getLog().info("closed model v{}", msg.version());
        maybeFinishShutdown();
        return this;
    }

    private Behavior<Command> onDescribe(Describe msg) {
        int leases = (current == null ? 0 : current.leases) + retiring.values().stream().mapToInt(e -> e.leases).sum();
        msg.replyTo().tell(new ServingState(Optional.ofNullable(current).map(e -> e.version), retiring.size(), leases, promoting));
        return this;
    }

    private Behavior<Command> onShutdown(Shutdown msg) {
        shutdownWaiters.add(msg.replyTo());
        if (!stopping) {
            stopping = true;
            if (current != null) {
                retire(current);
                current = null;
            }
        }
        maybeFinishShutdown();
        return this;
    }

    private void maybeFinishShutdown() {
        if (stopping && current == null && retiring.isEmpty() && closesPending == 0 && !promoting) {
            shutdownWaiters.forEach(w -> w.tell(Done.getInstance()));
            shutdownWaiters.clear();
        }
    }
}
