package dev.crucible.eval;

import dev.crucible.error.Causes;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.task.ScoreTally;
import dev.crucible.task.TaskBatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Owns one loaded model and scores batches with it, one at a time. The model stays loaded while
 * batches name the same {@link ModelRef}; another ref closes it and loads the next. Loading and
 * scoring run on {@code crucible.model-dispatcher} so the actor stays responsive (it can be
 * stopped mid-batch). Registers under {@link #SERVICE_KEY} so pools on any node find it.
 * Every failure of the model, {@link Error}s such as out-of-memory included, becomes a failed
 * {@link BatchResult}, never a crash.
 */
public final class Evaluator extends AbstractBehavior<Evaluator.Command> {

    /** The key evaluators register under and pools subscribe to. */
    public static final ServiceKey<Command> SERVICE_KEY = ServiceKey.create(Command.class, "crucible-evaluator");

    /** Name of the dispatcher blocking model work runs on. */
    public static final String MODEL_DISPATCHER = "crucible.model-dispatcher";

    private static final int STASH_CAPACITY = 1_000;

    /** Messages an evaluator understands. */
    public sealed interface Command permits ScoreBatch, Scored {
    }

    /** Score {@code batch} with {@code model}, answering {@code replyTo}. */
    public record ScoreBatch(long batchId, ModelRef model, TaskBatch batch, ActorRef<BatchResult> replyTo)
            implements Command, CborSerializable {
    }

    /** The blocking work finished; {@code source} tells a stale answer (from before a restart) from the current one. */
    private record Scored(ScoreBatch request, Outcome outcome, CompletableFuture<Outcome> source) implements Command {
    }

    /** What the blocking work hands back: the model now held (maybe a new one, maybe none) and the result. */
    private record Outcome(HeldModel held, ScoreTally tally, String failure, boolean modelFailed, long nanos) {
    }

    /** A loaded model and the ref it was loaded for. */
    private record HeldModel(String refId, LanguageModel model) {
    }

    private final ModelLoader loader;
    private final Executor blocking;
    private final StashBuffer<Command> stash;
    private HeldModel held;
    private CompletableFuture<Outcome> inFlight;

    private Evaluator(ActorContext<Command> context, StashBuffer<Command> stash, ModelLoader loader) {
        super(context);
        this.loader = loader;
        this.stash = stash;
        this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(MODEL_DISPATCHER));
        context.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, context.getSelf()));
    }

    /** An evaluator loading models with {@code loader}; restarted (model released) if its own code throws. */
    public static Behavior<Command> create(ModelLoader loader) {
        Behavior<Command> evaluator = Behaviors.setup(context ->
                Behaviors.withStash(STASH_CAPACITY, stash -> new Evaluator(context, stash, loader)));
        return Behaviors.supervise(evaluator).onFailure(Exception.class, SupervisorStrategy.restart());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(ScoreBatch.class, this::onScoreBatch)
                .onMessage(Scored.class, this::onScored)
                .onSignal(PostStop.class, signal -> release())
                .onSignal(PreRestart.class, signal -> release())
                .build();
    }

    private Behavior<Command> onScoreBatch(ScoreBatch request) {
        if (inFlight != null) {
            stash.stash(request);
            return this;
        }
        HeldModel current = held;
        held = null;
        CompletableFuture<Outcome> future = CompletableFuture.supplyAsync(() -> work(request, current), blocking);
        inFlight = future;
        getContext().pipeToSelf(future, (outcome, error) -> new Scored(request,
                outcome != null ? outcome : new Outcome(null, null, describe(error), true, 0), future));
        return this;
    }

    private Behavior<Command> onScored(Scored scored) {
        Outcome outcome = scored.outcome();
        scored.request().replyTo().tell(new BatchResult(scored.request().batchId(), getContext().getSelf(),
                outcome.tally(), outcome.failure(), outcome.modelFailed(), outcome.nanos()));
        if (scored.source() != inFlight) {
            // Started before a restart: release() already arranged for its model to be closed.
            return this;
        }
        inFlight = null;
        held = outcome.held();
        return stash.isEmpty() ? this : stash.unstash(this, 1, command -> command);
    }

    /** Runs on the model dispatcher: (re)load if needed, check the model is sane, score. */
    private Outcome work(ScoreBatch request, HeldModel current) {
        long start = System.nanoTime();
        HeldModel model = current;
        if (model == null || !model.refId().equals(request.model().id())) {
            closeQuietly(model);
            model = null;
            try {
                LanguageModel loaded = loader.load(request.model());
                model = new HeldModel(request.model().id(), loaded);
                requireFiniteLogits(loaded);
            } catch (Throwable t) {
                closeQuietly(model);
                return new Outcome(null, null, "model " + request.model().id() + " failed: " + describe(t),
                        true, System.nanoTime() - start);
            }
        }
        try {
            ScoreTally tally = request.batch().score(model.model());
            return new Outcome(model, tally, null, false, System.nanoTime() - start);
        } catch (OutOfMemoryError e) {
            closeQuietly(model);
            return new Outcome(null, null, "out of memory scoring task " + request.batch().task(), false,
                    System.nanoTime() - start);
        } catch (Throwable t) {
            return new Outcome(model, null, "task " + request.batch().task() + ": " + describe(t), false,
                    System.nanoTime() - start);
        }
    }

    /** A candidate with NaN/inf weights produces garbage text rather than an exception; catch it once per load. */
    private static void requireFiniteLogits(LanguageModel model) {
        float[] logits = model.lastLogits(new int[] {model.tokenizer().bosId()}, null);
        for (float logit : logits) {
            if (!Float.isFinite(logit)) {
                throw new IllegalStateException("non-finite logits (" + logit + ") after the start token");
            }
        }
    }

    private Behavior<Command> release() {
        if (inFlight != null) {
            // The batch still computing owns the model it hands back; close it when it is done.
            inFlight.thenAccept(outcome -> closeQuietly(outcome.held()));
            inFlight = null;
        }
        closeQuietly(held);
        held = null;
        return this;
    }

    private static void closeQuietly(HeldModel model) {
        if (model != null) {
            try {
                model.model().close();
            } catch (RuntimeException e) {
                // Closing is best effort: a model that fails to close must not take the evaluator down.
            }
        }
    }

    private static String describe(Throwable error) {
        Throwable cause = Causes.unwrap(error);
        String message = cause.getMessage();
        String text = message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
        return text.lines().findFirst().orElse(text);
    }
}
