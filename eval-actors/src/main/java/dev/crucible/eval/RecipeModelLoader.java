package dev.crucible.eval;

import dev.crucible.plan.MergePlan;
import dev.crucible.plan.MergePlanner;
import dev.crucible.plan.OpenedModels;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.runtime.LanguageModels;
import dev.crucible.stream.InMemorySink;
import dev.crucible.stream.InMemoryWeights;
import dev.crucible.stream.MergeOptions;
import dev.crucible.stream.MergeRunner;
import dev.crucible.stream.ProgressListener;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Loads every kind of {@link ModelRef}, merging {@link ModelRef.Recipe}s in memory on this node. Source
 * models are opened (mapped) once and shared by every merge; the most recent merges are kept, so the
 * evaluators of one node that all take batches of the same candidate merge it once, not once each.
 * Safe for concurrent use by the evaluators of a node.
 */
public final class RecipeModelLoader implements ModelLoader, AutoCloseable {

    /** Merged weights kept for reuse by default: the candidate being evaluated and the next one. */
    public static final int DEFAULT_KEPT_MERGES = 2;

    private static final class Shared {
        static final RecipeModelLoader INSTANCE =
                new RecipeModelLoader(Runtime.getRuntime().availableProcessors(), DEFAULT_KEPT_MERGES);
    }

    /** A merge ready to be loaded as often as needed: loading copies the weights into native memory. */
    private record Merged(MergePlan plan, InMemoryWeights weights) {
    }

    private final OpenedModels opened = new OpenedModels();
    private final int threads;
    private final int kept;
    private final Map<String, CompletableFuture<Merged>> merges;
    private MergeRunner runner;
    private boolean closed;

    /** A loader merging on {@code threads} threads and keeping the last {@code keptMerges} merges. */
    public RecipeModelLoader(int threads, int keptMerges) {
        if (threads < 1) {
            throw new IllegalArgumentException("merge threads must be at least 1, got " + threads);
        }
        if (keptMerges < 1) {
            throw new IllegalArgumentException("kept merges must be at least 1, got " + keptMerges);
        }
        this.threads = threads;
        this.kept = keptMerges;
        this.merges = new LinkedHashMap<>(16, 0.75f, true);
    }

    /** The process-wide loader {@link ModelLoader#standard()} merges recipes with; never closed (its threads are daemons). */
    public static RecipeModelLoader shared() {
        return Shared.INSTANCE;
    }

    @Override
    public LanguageModel load(ModelRef ref) {
        return switch (ref) {
            case ModelRef.Folder folder -> LanguageModels.load(folder.dir());
            case ModelRef.InMemory memory -> memory.supplier().get();
            case ModelRef.Recipe recipe -> {
                Merged merged = merged(recipe);
                yield MergedModelLoading.load(merged.plan(), merged.weights(), recipe.name());
            }
        };
    }

    /** Merges of the recipe's id already done or under way are joined rather than repeated. */
    private Merged merged(ModelRef.Recipe recipe) {
        String id = recipe.id();
        CompletableFuture<Merged> future;
        boolean mine = false;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("recipe loader is closed");
            }
            future = merges.get(id);
            if (future == null) {
                future = new CompletableFuture<>();
                merges.put(id, future);
                mine = true;
                evictBeyond(kept);
            }
        }
        if (mine) {
            try {
                future.complete(merge(recipe));
            } catch (RuntimeException | Error e) {
                synchronized (this) {
                    merges.remove(id, future);
                }
                future.completeExceptionally(e);
                throw e;
            }
        }
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    private Merged merge(ModelRef.Recipe recipe) {
        MergePlan plan = MergePlanner.plan(RecipeParser.parse(recipe.yaml(), recipe.baseDir()), opened);
        InMemorySink sink = new InMemorySink(plan.outputs());
        runner().merge(plan, sink, new MergeOptions(recipe.seed(), threads, ProgressListener.NONE));
        return new Merged(plan, sink.weights());
    }

    private synchronized MergeRunner runner() {
        if (runner == null) {
            runner = new MergeRunner(opened);
        }
        return runner;
    }

    /** Drops the least recently used finished merges; ones still running stay so their waiters are served. */
    private void evictBeyond(int limit) {
        var entries = merges.entrySet().iterator();
        int excess = merges.size() - limit;
        while (excess > 0 && entries.hasNext()) {
            if (entries.next().getValue().isDone()) {
                entries.remove();
                excess--;
            }
        }
    }

    /** Releases kept merges, the merge runner and every mapped source model. */
    @Override
    public void close() {
        MergeRunner stopping;
        synchronized (this) {
            closed = true;
            merges.clear();
            stopping = runner;
            runner = null;
        }
        try {
            if (stopping != null) {
                stopping.close();
            }
        } finally {
            opened.close();
        }
    }
}
