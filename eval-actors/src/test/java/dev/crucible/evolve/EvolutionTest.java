package dev.crucible.evolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.error.CrucibleException;
import dev.crucible.evolve.config.EvolveConfig;
import dev.crucible.evolve.config.EvolveConfigParser;
import dev.crucible.evolve.journal.Journal;
import dev.crucible.evolve.journal.JournalEntry;
import dev.crucible.plan.MergePlanner;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.runtime.Zoo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole search on the zoo with a tiny budget (2 generations of 4, 4 items per task): outputs,
 * journal and report of an uninterrupted run, and the same result from a run paused after one
 * generation, killed in the middle of the next and resumed.
 */
class EvolutionTest {

    private static final String CONFIG = """
            base_model: zoo/base
            models: [zoo/expert-add, zoo/expert-rev]
            merge_method: dare_ties
            genome: {layer_groups: 2, filters: []}
            search: {population: 4, max_evaluations: 8, sigma: 0.17, seed: 3}
            tasks:      [{name: add, path: zoo/add_dev.jsonl, limit: 4}, {name: rev, path: zoo/rev_dev.jsonl, limit: 4}]
            test_tasks: [{name: add, path: zoo/add_test.jsonl, limit: 4}, {name: rev, path: zoo/rev_test.jsonl, limit: 4}]
            """;

    @TempDir
    static Path dir;

    private static EvolveConfig config;
    private static Path uninterrupted;
    private static EvolutionOutcome outcome;
    private static String progress;

    @BeforeAll
    static void runUninterrupted() throws IOException {
        Files.createSymbolicLink(dir.resolve("zoo"), Zoo.dir().toAbsolutePath().normalize());
        config = EvolveConfigParser.parse(Files.writeString(dir.resolve("evolve.yml"), CONFIG));
        uninterrupted = dir.resolve("full");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        outcome = Evolution.run(config, uninterrupted, options(false, 0), new PrintStream(err, true, StandardCharsets.UTF_8));
        progress = err.toString(StandardCharsets.UTF_8);
    }

    private static EvolveOptions options(boolean resume, int stopAfter) {
        return new EvolveOptions(1, resume, stopAfter, 2);
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    @Test
    void writesRecipeModelJournalChartAndReport() throws IOException {
        assertThat(outcome.paused()).isFalse();
        for (String file : List.of("best-recipe.yml", "journal.jsonl", "state.json", "report.md", "fitness.png",
                "scores.json", "config.yml", "model/config.json", "model/tokenizer.json")) {
            assertThat(uninterrupted.resolve(file)).as(file).isRegularFile();
        }
        assertThat(Files.readAllBytes(uninterrupted.resolve("fitness.png"))).startsWith(0x89, 'P', 'N', 'G');
        try (ModelFolder model = ModelFolder.open(uninterrupted.resolve("model"))) {
            assertThat(model.numHiddenLayers()).isEqualTo(4);
        }
        // The recipe is an ordinary mergekit recipe whose model paths work from OUT_DIR.
        var recipe = RecipeParser.parse(uninterrupted.resolve("best-recipe.yml"));
        assertThat(recipe.mergeMethod()).isEqualTo("dare_ties");
        assertThat(MergePlanner.plan(recipe).tensors()).isNotEmpty();

        List<JournalEntry> journal = new Journal(uninterrupted.resolve("journal.jsonl")).read();
        assertThat(journal).hasSize(8);
        assertThat(journal).extracting(JournalEntry::generation).containsExactly(0, 0, 0, 0, 1, 1, 1, 1);
        assertThat(journal).allSatisfy(e -> {
            assertThat(e.ok()).isTrue();
            assertThat(e.genome()).hasSize(8);
            assertThat(e.dev()).containsOnlyKeys("add", "rev");
            assertThat(e.fitness()).isEqualTo(-(e.dev().get("add") + e.dev().get("rev")) / 2);
            assertThat(e.parameters()).containsKeys("expert-add.weight", "expert-rev.density");
        });
        double best = journal.stream().mapToDouble(JournalEntry::fitness).min().orElseThrow();
        assertThat(outcome.report().evolved().test()).containsOnlyKeys("add", "rev");

        String report = Files.readString(uninterrupted.resolve("report.md"));
        assertThat(report).contains("fitness.png", "| expert-add | source |", "| expert-rev | source |",
                "linear 50/50", "task_arithmetic weights 1", "ties density 0.5 weights 1", "**evolved**",
                "Against the best default hand merge", "Against source expert-add");
        assertThat(outcome.report().rows()).hasSize(3 + 3 + 1);
        assertThat(progress).contains("generation 0, 4/8 evaluations", "generation 1, 8/8 evaluations", "ETA");
        // The written model scores what the in-memory candidate scored during the search.
        assertThat(outcome.report().evolved().devMean()).isCloseTo(-best, offset(1e-9));
    }

    @Test
    void pausedKilledAndResumedSearchEndsWithTheSameResult() throws IOException {
        Path resumed = dir.resolve("resumed");
        EvolutionOutcome paused = Evolution.run(config, resumed, options(false, 1), quiet());
        assertThat(paused.paused()).isTrue();
        assertThat(resumed.resolve("best-recipe.yml")).doesNotExist();
        assertThat(new Journal(resumed.resolve("journal.jsonl")).read()).hasSize(4);

        // Killed mid-way through generation 1: two of its results made it to the journal, plus a torn line.
        List<String> full = Files.readAllLines(uninterrupted.resolve("journal.jsonl"));
        Files.writeString(resumed.resolve("journal.jsonl"), String.join("\n", full.subList(0, 6)) + "\n{\"stage\":");
        EvolutionOutcome finished = Evolution.run(config, resumed, options(true, 0), quiet());

        assertThat(finished.paused()).isFalse();
        assertThat(Files.readString(resumed.resolve("best-recipe.yml")))
                .isEqualTo(Files.readString(uninterrupted.resolve("best-recipe.yml")));
        List<JournalEntry> a = new Journal(uninterrupted.resolve("journal.jsonl")).read();
        List<JournalEntry> b = new Journal(resumed.resolve("journal.jsonl")).read();
        assertThat(b).hasSameSizeAs(a);
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i).candidate()).isEqualTo(a.get(i).candidate());
            assertThat(b.get(i).genome()).containsExactly(a.get(i).genome());
            assertThat(b.get(i).fitness()).isEqualTo(a.get(i).fitness());
        }
        assertThat(Files.readString(resumed.resolve("state.json")))
                .isEqualTo(Files.readString(uninterrupted.resolve("state.json")));
    }

    @Test
    void refusesToOverwriteASearchOrResumeWithAnotherConfig() throws IOException {
        assertThatThrownBy(() -> Evolution.run(config, uninterrupted, options(false, 0), quiet()))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("continue it with --resume");
        Path other = dir.resolve("other.yml");
        Files.writeString(other, CONFIG.replace("seed: 3", "seed: 4"));
        assertThatThrownBy(() -> Evolution.run(EvolveConfigParser.parse(other), uninterrupted, options(true, 0), quiet()))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("differs from the config this search started with");
        assertThatThrownBy(() -> Evolution.run(config, dir.resolve("nothing-here"), options(true, 0), quiet()))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("no search to resume");
    }
}
