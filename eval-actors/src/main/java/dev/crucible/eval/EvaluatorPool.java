package dev.crucible.eval;

import dev.crucible.task.ScoreTally;
import dev.crucible.task.Task;
import dev.crucible.task.TaskBatch;
import dev.crucible.task.TaskItem;
import dev.crucible.task.TaskScore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * Spreads the items of evaluation requests over every {@link Evaluator} registered with the
 * Receptionist (on this node or any cluster node), one batch in flight per evaluator, preferring
 * evaluators that already hold the request's model. Collects the tallies and answers an
 * {@link EvaluationResult}. A model that fails yields failed {@link TaskScore}s; a lost or silent
 * evaluator's batch is given to another (up to {@link PoolSettings#maxAttempts()} times); work no
 * evaluator can take fails after {@link PoolSettings#starvationTimeout()}. Requests run concurrently.
 */
public final class EvaluatorPool extends AbstractBehavior<EvaluatorPool.Command> {

    /** Messages the pool understands. */
    public sealed interface Command permits Evaluate, BatchResult, EvaluatorsListed, EvaluatorStopped,
            BatchTimedOut, StarvationTimedOut {
    }

    /**
     * Score {@code model} on {@code tasks}; the answer has one score per task, in this order.
     * Serialisable for folder models, so a coordinator on another node can use the pool.
     */
    public record Evaluate(ModelRef model, List<Task> tasks, ActorRef<EvaluationResult> replyTo)
            implements Command, CborSerializable {

        public Evaluate {
            tasks = List.copyOf(tasks);
        }
    }

    private record EvaluatorsListed(Set<ActorRef<Evaluator.Command>> evaluators) implements Command {
    }

    private record EvaluatorStopped(ActorRef<Evaluator.Command> evaluator) implements Command {
    }

    private record BatchTimedOut(long batchId, int attempt) implements Command {
    }

    private enum StarvationTimedOut implements Command {
        INSTANCE
    }

    /** What the pool knows of one evaluator. */
    private static final class Slot {
        Long batchId;
        String modelId;
    }

    /** Progress of one task of one request. */
    private static final class Progress {
        final Task task;
        int batchesLeft;
        ScoreTally tally = ScoreTally.EMPTY;
        long startNanos = -1;
        long endNanos;
        String failure;
        boolean finished;

        Progress(Task task, int batches) {
            this.task = task;
            this.batchesLeft = batches;
        }
    }

    /** One evaluation request being worked on. */
    private static final class Request {
        final Evaluate evaluate;
        final List<Progress> progress = new ArrayList<>();

        Request(Evaluate evaluate) {
            this.evaluate = evaluate;
        }
    }

    /** One batch, pending or in flight. */
    private static final class Batch {
        final long id;
        final Request request;
        final Progress progress;
        final TaskBatch work;
        int attempt;
        ActorRef<Evaluator.Command> assignee;

        Batch(long id, Request request, Progress progress, TaskBatch work) {
            this.id = id;
            this.request = request;
            this.progress = progress;
            this.work = work;
        }
    }

    private static final Object STARVATION_TIMER = "starvation";

    private final PoolSettings settings;
    private final TimerScheduler<Command> timers;
    private final Map<ActorRef<Evaluator.Command>, Slot> evaluators = new LinkedHashMap<>();
    private final Deque<Batch> pending = new ArrayDeque<>();
    private final Map<Long, Batch> live = new HashMap<>();
    private long nextBatchId;

    private EvaluatorPool(ActorContext<Command> context, TimerScheduler<Command> timers, PoolSettings settings) {
        super(context);
        this.settings = settings;
        this.timers = timers;
        ActorRef<Receptionist.Listing> listings = context.messageAdapter(Receptionist.Listing.class,
                listing -> new EvaluatorsListed(listing.getServiceInstances(Evaluator.SERVICE_KEY)));
        context.getSystem().receptionist().tell(Receptionist.subscribe(Evaluator.SERVICE_KEY, listings));
    }

    /** A pool with the given settings; restarted if its own code throws, so later requests still run. */
    public static Behavior<Command> create(PoolSettings settings) {
        Behavior<Command> pool = Behaviors.setup(context ->
                Behaviors.withTimers(timers -> new EvaluatorPool(context, timers, settings)));
        return Behaviors.supervise(pool).onFailure(Exception.class, SupervisorStrategy.restart());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Evaluate.class, this::onEvaluate)
                .onMessage(BatchResult.class, this::onBatchResult)
                .onMessage(EvaluatorsListed.class, this::onListing)
                .onMessage(EvaluatorStopped.class, stopped -> {
                    lose(stopped.evaluator());
                    return dispatch();
                })
                .onMessage(BatchTimedOut.class, this::onBatchTimedOut)
                .onMessageEquals(StarvationTimedOut.INSTANCE, this::onStarvation)
                .build();
    }

    private Behavior<Command> onEvaluate(Evaluate evaluate) {
        Request request = new Request(evaluate);
        for (Task task : evaluate.tasks()) {
            List<TaskBatch> batches = task.batches(settings.batchSize());
            Progress progress = new Progress(task, batches.size());
            progress.finished = batches.isEmpty();
            request.progress.add(progress);
            for (TaskBatch work : batches) {
                Batch batch = new Batch(nextBatchId++, request, progress, work);
                live.put(batch.id, batch);
                pending.addLast(batch);
            }
        }
        completeIfDone(request);
        return dispatch();
    }

    private Behavior<Command> onBatchResult(BatchResult result) {
        Slot slot = evaluators.get(result.evaluator());
        if (slot != null && Long.valueOf(result.batchId()).equals(slot.batchId)) {
            slot.batchId = null;
        }
        Batch batch = live.remove(result.batchId());
        if (batch == null) {
            return dispatch();
        }
        timers.cancel(batch.id);
        pending.remove(batch);
        if (result.failure() == null) {
            Progress progress = batch.progress;
            progress.tally = progress.tally.plus(result.tally());
            progress.batchesLeft--;
            if (progress.batchesLeft == 0) {
                progress.endNanos = System.nanoTime();
                progress.finished = true;
                completeIfDone(batch.request);
            }
        } else if (result.modelFailed()) {
            for (Progress progress : batch.request.progress) {
                fail(batch.request, progress, result.failure());
            }
        } else {
            fail(batch.request, batch.progress, result.failure());
        }
        return dispatch();
    }

    private Behavior<Command> onListing(EvaluatorsListed listed) {
        for (ActorRef<Evaluator.Command> evaluator : listed.evaluators()) {
            if (!evaluators.containsKey(evaluator)) {
                evaluators.put(evaluator, new Slot());
                getContext().watchWith(evaluator, new EvaluatorStopped(evaluator));
            }
        }
        for (ActorRef<Evaluator.Command> known : new ArrayList<>(evaluators.keySet())) {
            if (!listed.evaluators().contains(known)) {
                getContext().unwatch(known);
                lose(known);
            }
        }
        return dispatch();
    }

    private Behavior<Command> onBatchTimedOut(BatchTimedOut timedOut) {
        Batch batch = live.get(timedOut.batchId());
        if (batch != null && batch.attempt == timedOut.attempt() && !pending.contains(batch)) {
            // The evaluator stays marked busy until it answers: a stuck one gets no more work.
            retry(batch, "timed out after " + readable(settings.batchTimeout()));
        }
        return dispatch();
    }

    private Behavior<Command> onStarvation() {
        for (Batch batch : new ArrayList<>(pending)) {
            if (evaluators.keySet().stream().noneMatch(evaluator -> canTake(evaluator, batch))) {
                String reason = evaluators.isEmpty()
                        ? "no evaluators available for " + readable(settings.starvationTimeout())
                        : "no evaluator on this node for in-memory model " + batch.request.evaluate.model().id();
                fail(batch.request, batch.progress, reason);
            }
        }
        return dispatch();
    }

    /** An evaluator is gone: whatever it was working on goes back to the queue. */
    private void lose(ActorRef<Evaluator.Command> evaluator) {
        Slot slot = evaluators.remove(evaluator);
        if (slot == null || slot.batchId == null) {
            return;
        }
        Batch batch = live.get(slot.batchId);
        if (batch != null && evaluator.equals(batch.assignee) && !pending.contains(batch)) {
            timers.cancel(batch.id);
            retry(batch, "its evaluator stopped");
        }
    }

    private void retry(Batch batch, String why) {
        if (batch.attempt >= settings.maxAttempts()) {
            fail(batch.request, batch.progress, "batch of items at lines " + firstLine(batch) + "-" + lastLine(batch)
                    + " lost " + batch.attempt + " times (last: " + why + ")");
        } else {
            pending.addFirst(batch);
        }
    }

    private Behavior<Command> dispatch() {
        for (Map.Entry<ActorRef<Evaluator.Command>, Slot> entry : evaluators.entrySet()) {
            Slot slot = entry.getValue();
            if (slot.batchId != null) {
                continue;
            }
            Batch batch = pick(entry.getKey(), slot);
            if (batch != null) {
                send(entry.getKey(), slot, batch);
            }
        }
        boolean starving = pending.stream()
                .anyMatch(batch -> evaluators.keySet().stream().noneMatch(evaluator -> canTake(evaluator, batch)));
        if (!starving) {
            timers.cancel(STARVATION_TIMER);
        } else if (!timers.isTimerActive(STARVATION_TIMER)) {
            timers.startSingleTimer(STARVATION_TIMER, StarvationTimedOut.INSTANCE, settings.starvationTimeout());
        }
        return this;
    }

    /** The first pending batch for the model the evaluator holds, else the first it can take. */
    private Batch pick(ActorRef<Evaluator.Command> evaluator, Slot slot) {
        Batch fallback = null;
        for (Batch batch : pending) {
            if (!canTake(evaluator, batch)) {
                continue;
            }
            if (batch.request.evaluate.model().id().equals(slot.modelId)) {
                return batch;
            }
            if (fallback == null) {
                fallback = batch;
            }
        }
        return fallback;
    }

    private void send(ActorRef<Evaluator.Command> evaluator, Slot slot, Batch batch) {
        pending.remove(batch);
        batch.attempt++;
        batch.assignee = evaluator;
        slot.batchId = batch.id;
        slot.modelId = batch.request.evaluate.model().id();
        if (batch.progress.startNanos < 0) {
            batch.progress.startNanos = System.nanoTime();
        }
        evaluator.tell(new Evaluator.ScoreBatch(batch.id, batch.request.evaluate.model(), batch.work,
                getContext().getSelf().narrow()));
        timers.startSingleTimer(batch.id, new BatchTimedOut(batch.id, batch.attempt), settings.batchTimeout());
    }

    private static boolean canTake(ActorRef<Evaluator.Command> evaluator, Batch batch) {
        return batch.request.evaluate.model().portable() || evaluator.path().address().hasLocalScope();
    }

    private void fail(Request request, Progress progress, String reason) {
        if (progress.finished) {
            return;
        }
        progress.failure = reason;
        progress.finished = true;
        Set<Long> dropped = new HashSet<>();
        for (Batch batch : live.values()) {
            if (batch.progress == progress) {
                dropped.add(batch.id);
            }
        }
        for (Long id : dropped) {
            pending.remove(live.remove(id));
            timers.cancel(id);
        }
        completeIfDone(request);
    }

    private void completeIfDone(Request request) {
        if (request.progress.stream().allMatch(progress -> progress.finished)) {
            Map<String, TaskScore> scores = new LinkedHashMap<>();
            for (Progress progress : request.progress) {
                scores.put(progress.task.name(), score(progress));
            }
            request.evaluate.replyTo().tell(new EvaluationResult(scores));
        }
    }

    private static TaskScore score(Progress progress) {
        Task task = progress.task;
        if (progress.failure != null) {
            return TaskScore.failed(task.name(), task.metric(), task.items().size(), progress.failure);
        }
        double seconds = Math.max(1e-9, (progress.endNanos - progress.startNanos) / 1e9);
        return progress.tally.toScore(task.name(), task.kind(), task.items().size() / seconds);
    }

    private static String readable(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    private static int firstLine(Batch batch) {
        return batch.work.items().getFirst().line();
    }

    private static int lastLine(Batch batch) {
        List<TaskItem> items = batch.work.items();
        return items.getLast().line();
    }
}
