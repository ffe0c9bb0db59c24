package dev.crucible.eval;

import com.typesafe.config.Config;
import dev.crucible.error.CrucibleException;
import dev.crucible.task.Task;
import dev.crucible.task.TaskLoader;
import dev.crucible.task.TaskSpec;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code crucible eval MODEL_DIR --task NAME=PATH ...}: scores a model folder on tasks with a local evaluator pool. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Score a model on JSONL tasks (exact match, multiple choice, perplexity) with evaluator actors.")
public final class EvalCommand implements Callable<Integer> {

    private static final Duration OVERALL_TIMEOUT = Duration.ofHours(24);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "Hugging Face model folder.")
    Path modelDir;

    @Option(names = "--task", required = true, paramLabel = "NAME=PATH",
            description = "A task: JSONL of {prompt,answer}, {prompt,choices,label} or {text} (or a .txt of texts). Repeatable.")
    List<String> tasks = new ArrayList<>();

    @Option(names = "--extract", paramLabel = "NAME=REGEX",
            description = "Compare group 1 (or the whole match) of REGEX's first match instead of the trimmed output. Repeatable.")
    List<String> extracts = new ArrayList<>();

    @Option(names = "--max-new-tokens", paramLabel = "N",
            description = "Generation budget (default: tokens of the task's longest answer + 2).")
    Integer maxNewTokens;

    @Option(names = "--limit", paramLabel = "N", description = "Score only the first N items of each task.")
    Integer limit;

    @Option(names = "--batch-size", paramLabel = "N", description = "Items per batched model call (default from crucible.eval.batch-size).")
    Integer batchSize;

    @Option(names = "--evaluators", paramLabel = "N", defaultValue = "1",
            description = "Evaluator actors, each with its own copy of the model (default: ${DEFAULT-VALUE}).")
    int evaluators;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        if (!Files.isDirectory(modelDir)) {
            throw new CrucibleException("model folder " + modelDir + " not found");
        }
        if (limit != null && limit < 1) {
            throw new CrucibleException("--limit must be at least 1, got " + limit);
        }
        if (batchSize != null && batchSize < 1) {
            throw new CrucibleException("--batch-size must be at least 1, got " + batchSize);
        }
        List<Task> loaded = loadTasks();
        Config config = EvaluationSession.quietConfig();
        PoolSettings settings = PoolSettings.fromConfig(config.getConfig("crucible.eval"));
        if (batchSize != null) {
            settings = settings.withBatchSize(batchSize);
        }
        EvaluationResult result;
        try (EvaluationSession session = EvaluationSession.start(evaluators, ModelLoader.standard(), settings, config)) {
            result = session.evaluate(new ModelRef.Folder(modelDir), loaded, OVERALL_TIMEOUT);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? EvalReport.json(modelDir.toString(), result) + System.lineSeparator() : EvalReport.table(result));
        out.flush();
        return result.allOk() ? 0 : 1;
    }

    private List<Task> loadTasks() {
        Map<String, Path> paths = new LinkedHashMap<>();
        for (String task : tasks) {
            String[] parts = split("--task", task, "NAME=PATH");
            if (paths.put(parts[0], Path.of(parts[1])) != null) {
                throw new CrucibleException("--task " + parts[0] + " given twice; task names must be unique");
            }
        }
        Map<String, String> regexes = new LinkedHashMap<>();
        for (String extract : extracts) {
            String[] parts = split("--extract", extract, "NAME=REGEX");
            if (!paths.containsKey(parts[0])) {
                throw new CrucibleException("--extract " + parts[0] + ": no --task of that name (tasks: " + paths.keySet() + ")");
            }
            regexes.put(parts[0], parts[1]);
        }
        List<Task> loaded = new ArrayList<>();
        for (Map.Entry<String, Path> entry : paths.entrySet()) {
            Task task = TaskLoader.load(new TaskSpec(entry.getKey(), entry.getValue(), regexes.get(entry.getKey()), maxNewTokens));
            loaded.add(limit == null ? task : task.limit(limit));
        }
        return loaded;
    }

    private static String[] split(String option, String value, String shape) {
        int eq = value.indexOf('=');
        if (eq <= 0 || eq == value.length() - 1) {
            throw new CrucibleException(option + " '" + value + "': expected " + shape);
        }
        return new String[] {value.substring(0, eq), value.substring(eq + 1)};
    }
}
