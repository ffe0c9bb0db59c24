package dev.crucible.serve.inference;

import dev.crucible.runtime.Generation;
import dev.crucible.runtime.GenerationRequest;
import dev.crucible.runtime.LanguageModel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Coalesces non-streamed requests waiting on the same model into one batched {@code generate}
 * call. The runtime serialises calls on a model, so requests that would otherwise queue behind each
 * other share one forward pass per step instead. A batch that fails is retried one request at a
 * time, so one bad request cannot fail its neighbours.
 */
final class GenerationBatcher {

    /** One request waiting for a batch; {@code result} completes when the model is done with it. */
    private record Pending(GenerationRequest request, CompletableFuture<Generation> result, AtomicBoolean cancelled,
            Runnable firstToken) {}

    /** The requests queued for one model, the batch running on it, and whether a drain loop runs. */
    private static final class Lane {
        final ArrayDeque<Pending> pending = new ArrayDeque<>();
        List<Pending> inProgress = List.of();
        boolean running;
    }

    private final Executor blocking;
    private final int maxBatch;
    private final Map<LanguageModel, Lane> lanes = new ConcurrentHashMap<>();

    GenerationBatcher(Executor blocking, int maxBatch) {
        this.blocking = blocking;
        this.maxBatch = maxBatch;
    }

    /** Queues {@code request} on {@code model}; the future completes when the model is done with it. */
    CompletableFuture<Generation> submit(LanguageModel model, GenerationRequest request) {
        return submit(model, request, () -> { });
    }

    /**
     * As {@link #submit(LanguageModel, GenerationRequest)}; {@code firstToken} runs when the request's first
     * token is produced, alone or in a batch (for models that report it, see
     * {@link LanguageModel#generate(List, java.util.function.IntConsumer)}).
     */
    CompletableFuture<Generation> submit(LanguageModel model, GenerationRequest request, Runnable firstToken) {
        CompletableFuture<Generation> result = new CompletableFuture<>();
        Lane lane = lanes.computeIfAbsent(model, m -> new Lane());
        boolean start;
        synchronized (lane) {
            lane.pending.addLast(new Pending(request, result, new AtomicBoolean(), firstToken));
            start = !lane.running;
            lane.running = true;
        }
        if (start) {
            blocking.execute(() -> drain(model, lane));
        }
        return result;
    }

    /**
     * Gives up on a request: one still queued leaves the queue at once (its future fails with
     * {@code reason}); one running alone stops at its next token; one inside a running batch
     * finishes with its batch, because the model is busy with it either way.
     */
    void withdraw(LanguageModel model, CompletableFuture<Generation> result, RuntimeException reason) {
        Lane lane = lanes.get(model);
        if (lane == null) {
            return;
        }
        boolean removed;
        synchronized (lane) {
            removed = lane.pending.removeIf(p -> p.result() == result);
            lane.inProgress.stream().filter(p -> p.result() == result).forEach(p -> p.cancelled().set(true));
        }
        if (removed) {
            result.completeExceptionally(reason);
        }
    }

    private void drain(LanguageModel model, Lane lane) {
        while (true) {
            List<Pending> batch = new ArrayList<>();
            synchronized (lane) {
                while (batch.size() < maxBatch && !lane.pending.isEmpty()) {
                    batch.add(lane.pending.pollFirst());
                }
                lane.inProgress = List.copyOf(batch);
                if (batch.isEmpty()) {
                    lane.running = false;
                    // A replaced model must not stay reachable through an idle lane.
                    lanes.remove(model, lane);
                    return;
                }
            }
            run(model, batch);
        }
    }

    private static void run(LanguageModel model, List<Pending> batch) {
        if (batch.size() == 1) {
            runAlone(model, batch.getFirst());
            return;
        }
        List<Generation> out;
        try {
            out = model.generate(batch.stream().map(Pending::request).toList(), i -> batch.get(i).firstToken().run());
        } catch (RuntimeException e) {
            batch.forEach(p -> runAlone(model, p));
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result().complete(out.get(i));
        }
    }

    /** Streams token by token only to be able to stop at the next token when the request is withdrawn. */
    private static void runAlone(LanguageModel model, Pending p) {
        try {
            p.result().complete(model.generateStreaming(p.request(), piece -> {
                if (p.cancelled().get()) {
                    throw new GenerationCancelled("the request deadline passed");
                }
                p.firstToken().run();
            }));
        } catch (RuntimeException e) {
            p.result().completeExceptionally(e);
        }
    }
}
