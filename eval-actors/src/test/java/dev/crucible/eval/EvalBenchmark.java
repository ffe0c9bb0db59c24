package dev.crucible.eval;

import com.typesafe.config.ConfigFactory;
import dev.crucible.task.Task;
import dev.crucible.task.TaskFiles;
import dev.crucible.task.TaskLoader;
import dev.crucible.task.TaskSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Throughput of the evaluator pool on the zoo: add_dev + rev_dev (400 items) scored by expert-add,
 * with 1 and 2 evaluators and with batched (32) versus one-item messages. Models are loaded by a
 * warm-up run first, so the figures are scoring only. Prints items/s and ratios to the 1-evaluator,
 * batch-32 baseline. Run: {@code java -cp <test classpath> dev.crucible.eval.EvalBenchmark [repeats]}.
 */
public final class EvalBenchmark {

    private EvalBenchmark() {
    }

    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Path zoo = TaskFiles.zoo();
        List<Task> tasks = List.of(
                TaskLoader.load(TaskSpec.of("add_dev", zoo.resolve("add_dev.jsonl"))),
                TaskLoader.load(TaskSpec.of("rev_dev", zoo.resolve("rev_dev.jsonl"))));
        int items = tasks.stream().mapToInt(task -> task.items().size()).sum();
        ModelRef model = new ModelRef.Folder(zoo.resolve("expert-add"));
        System.out.printf(Locale.ROOT, "items: %d (add_dev + rev_dev), model: expert-add, cores: %d%n",
                items, Runtime.getRuntime().availableProcessors());
        double baseline = Double.NaN;
        for (int[] setup : new int[][] {{1, 32}, {2, 32}, {1, 1}}) {
            double best = measure(setup[0], setup[1], model, tasks, items, repeats);
            if (Double.isNaN(baseline)) {
                baseline = best;
            }
            System.out.printf(Locale.ROOT, "evaluators %d, batch %2d: %8.1f items/s  (x%.2f of 1 evaluator, batch 32)%n",
                    setup[0], setup[1], best, best / baseline);
        }
    }

    /** Best-of-{@code repeats} items/s after one warm-up run that loads the models. */
    private static double measure(int evaluators, int batchSize, ModelRef model, List<Task> tasks, int items, int repeats) {
        var config = ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(ConfigFactory.load());
        PoolSettings settings = EvaluationSession.defaultSettings().withBatchSize(batchSize);
        try (EvaluationSession session = EvaluationSession.start(evaluators, ModelLoader.standard(), settings, config)) {
            session.evaluate(model, tasks, Duration.ofMinutes(10));
            double best = 0;
            for (int i = 0; i < repeats; i++) {
                long start = System.nanoTime();
                EvaluationResult result = session.evaluate(model, tasks, Duration.ofMinutes(10));
                double seconds = (System.nanoTime() - start) / 1e9;
                if (!result.allOk()) {
                    throw new IllegalStateException("benchmark run failed: " + result.scores());
                }
                best = Math.max(best, items / seconds);
            }
            return best;
        }
    }
}
