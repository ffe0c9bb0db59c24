package dev.crucible.task;

import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A loaded task: its spec, the kind every item shares, and the items in file order.
 * Build one with {@link TaskLoader#load(TaskSpec)}.
 */
public record Task(TaskSpec spec, TaskKind kind, List<TaskItem> items) {

    public Task {
        items = List.copyOf(items);
    }

    /** The name scores are reported under. */
    public String name() {
        return spec.name();
    }

    /** {@code "accuracy"} or {@code "perplexity"}. */
    public String metric() {
        return kind.metric();
    }

    /** The first {@code limit} items (all of them when the task is shorter). */
    public Task limit(int limit) {
        return limit >= items.size() ? this : new Task(spec, kind, items.subList(0, limit));
    }

    /**
     * The longest answer by characters (empty when the task has no generation items); its token
     * count + 2 is the default generation budget, so one token of trailing space and the end token fit.
     */
    public String longestAnswer() {
        return items.stream()
                .filter(GenerationItem.class::isInstance)
                .map(item -> ((GenerationItem) item).answer())
                .max(Comparator.comparingInt(String::length))
                .orElse("");
    }

    /** Splits the items into batches of at most {@code size}, keeping file order. */
    public List<TaskBatch> batches(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + size);
        }
        String longest = longestAnswer();
        int count = (items.size() + size - 1) / size;
        return IntStream.range(0, count)
                .mapToObj(i -> new TaskBatch(name(), kind, items.subList(i * size, Math.min(items.size(), (i + 1) * size)),
                        spec.maxNewTokens(), longest, spec.extract()))
                .toList();
    }
}
