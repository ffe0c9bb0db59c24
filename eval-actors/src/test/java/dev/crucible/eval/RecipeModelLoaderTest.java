package dev.crucible.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.plan.MergePlan;
import dev.crucible.plan.MergePlanner;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.stream.MergeOptions;
import dev.crucible.stream.MergeRunner;
import dev.crucible.stream.MergedModelFiles;
import dev.crucible.stream.ProgressListener;
import dev.crucible.stream.SafetensorsSink;
import dev.crucible.task.Task;
import dev.crucible.task.TaskFiles;
import dev.crucible.task.TaskLoader;
import dev.crucible.task.TaskScore;
import dev.crucible.task.TaskSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recipe reference, merged in memory where it is evaluated, scores exactly like its merge written to disk. */
class RecipeModelLoaderTest {

    static final Path ZOO = TaskFiles.zoo();
    static final Duration TIMEOUT = Duration.ofMinutes(2);

    /** Randomised (DARE), so the seed must reach the evaluating node for the scores to agree. */
    static final String DARE_TIES = """
            merge_method: dare_ties
            base_model: base
            models:
              - {model: expert-add, parameters: {weight: 1.0, density: 0.7}}
              - {model: expert-rev, parameters: {weight: 0.8, density: 0.7}}
            """;

    static RecipeModelLoader loader;
    static EvaluationSession session;

    @BeforeAll
    static void start() {
        loader = new RecipeModelLoader(2, 2);
        session = EvaluationSession.start(2, loader, EvaluationSession.defaultSettings().withBatchSize(16),
                EvaluatorPoolTest.CONFIG);
    }

    @AfterAll
    static void stop() {
        session.close();
        loader.close();
    }

    static List<Task> tasks() {
        return List.of(TaskLoader.load(TaskSpec.of("add", ZOO.resolve("add_dev.jsonl"))).limit(48),
                TaskLoader.load(TaskSpec.of("rev", ZOO.resolve("rev_dev.jsonl"))).limit(48),
                TaskLoader.load(TaskSpec.of("text", ZOO.resolve("text_test.txt"))).limit(16));
    }

    /** The reference path: plan, stream to safetensors, write the side files, as {@code crucible merge} does. */
    static Path mergeToDisk(String yaml, long seed, Path dir) {
        MergePlan plan = MergePlanner.plan(RecipeParser.parse(yaml, ZOO));
        try (SafetensorsSink sink = new SafetensorsSink(dir, plan.outputs(), Long.MAX_VALUE)) {
            MergeRunner.run(plan, sink, new MergeOptions(seed, 2, ProgressListener.NONE));
        }
        MergedModelFiles.write(plan, dir);
        return dir;
    }

    @Test
    void recipeScoresExactlyLikeItsMergeWrittenToDisk(@TempDir Path dir) {
        ModelRef recipe = new ModelRef.Recipe("dare-candidate", DARE_TIES, ZOO, 42);
        EvaluationResult inMemory = session.evaluate(recipe, tasks(), TIMEOUT);
        EvaluationResult onDisk = session.evaluate(new ModelRef.Folder(mergeToDisk(DARE_TIES, 42, dir)), tasks(), TIMEOUT);

        assertThat(inMemory.allOk()).as("failures: %s", inMemory.scores()).isTrue();
        for (String task : List.of("add", "rev", "text")) {
            TaskScore memory = inMemory.scores().get(task);
            TaskScore disk = onDisk.scores().get(task);
            assertThat(memory.n()).isEqualTo(disk.n());
            assertThat(memory.score()).as(task).isEqualTo(disk.score());
        }
    }

    @Test
    void parsedRecipeTravelsAsTextAndBuildsTheSameModel() {
        ModelRef.Recipe written = ModelRef.Recipe.of("decoded", RecipeParser.parse(DARE_TIES, ZOO), 42);
        ModelRef.Recipe original = new ModelRef.Recipe("decoded", DARE_TIES, ZOO, 42);

        assertThat(written.id()).isNotEqualTo(original.id());
        EvaluationResult fromWritten = session.evaluate(written, tasks(), TIMEOUT);
        EvaluationResult fromOriginal = session.evaluate(original, tasks(), TIMEOUT);
        for (String task : List.of("add", "rev", "text")) {
            assertThat(fromWritten.scores().get(task).score()).as(task)
                    .isEqualTo(fromOriginal.scores().get(task).score());
        }
    }

    @Test
    void anotherSeedBuildsAnotherModel() {
        EvaluationResult first = session.evaluate(new ModelRef.Recipe("a", DARE_TIES, ZOO, 1), tasks(), TIMEOUT);
        EvaluationResult second = session.evaluate(new ModelRef.Recipe("a", DARE_TIES, ZOO, 2), tasks(), TIMEOUT);

        assertThat(first.scores().get("text").score()).isNotEqualTo(second.scores().get("text").score());
    }

    @Test
    void brokenRecipeFailsItsTasksNamingTheField() {
        ModelRef broken = new ModelRef.Recipe("broken", "merge_method: averaging\nmodels: [{model: base}]\n", ZOO, 0);

        EvaluationResult result = session.evaluate(broken, tasks(), TIMEOUT);

        assertThat(result.scores().values()).allSatisfy(score -> {
            assertThat(score.ok()).isFalse();
            assertThat(score.failure()).contains("broken").contains("merge_method").contains("averaging");
        });
    }

    @Test
    void idFollowsWhatDecidesTheWeights() {
        ModelRef.Recipe recipe = new ModelRef.Recipe("c1", DARE_TIES, ZOO, 42);

        assertThat(recipe.portable()).isTrue();
        assertThat(recipe.id()).startsWith("recipe:c1@").isEqualTo(new ModelRef.Recipe("c1", DARE_TIES, ZOO, 42).id());
        assertThat(recipe.id()).isNotEqualTo(new ModelRef.Recipe("c1", DARE_TIES, ZOO, 43).id())
                .isNotEqualTo(new ModelRef.Recipe("c1", DARE_TIES + "dtype: float32\n", ZOO, 42).id())
                .isNotEqualTo(new ModelRef.Recipe("c1", DARE_TIES, ZOO.resolve("merges"), 42).id());
    }
}
