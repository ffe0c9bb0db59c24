package dev.crucible.evolve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.evolve.config.EvolveConfigParser;
import dev.crucible.evolve.journal.Journal;
import dev.crucible.evolve.journal.JournalEntry;
import dev.crucible.evolve.report.ScoreRow;
import dev.crucible.plan.MergePlanner;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.runtime.Zoo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code both} space on the zoo with a tiny budget: a parameter stage, then a data-flow stage over its merge. */
class CombinedSpacesTest {

    @TempDir
    Path dir;

    @Test
    void dataFlowStageStartsFromTheBestParameterMergeAndExportsAPassthroughRecipe() throws IOException {
        Files.createSymbolicLink(dir.resolve("zoo"), Zoo.dir().toAbsolutePath().normalize());
        Path file = Files.writeString(dir.resolve("both.yml"), """
                base_model: zoo/base
                models: [zoo/expert-add, zoo/expert-rev]
                merge_method: ties
                genome: {space: both, repeats: 1}
                search: {population: 4, max_evaluations: 8, seed: 5}
                tasks: [{name: add, path: zoo/add_dev.jsonl, limit: 4}, {name: rev, path: zoo/rev_dev.jsonl, limit: 4}]
                """);
        Path out = dir.resolve("out");
        EvolutionOutcome outcome = Evolution.run(EvolveConfigParser.parse(file), out, new EvolveOptions(1, false, 0, 2),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        List<JournalEntry> journal = new Journal(out.resolve("journal.jsonl")).read();
        assertThat(journal).extracting(JournalEntry::stage)
                .containsExactly("parameter", "parameter", "parameter", "parameter",
                        "dataflow", "dataflow", "dataflow", "dataflow");
        assertThat(journal.get(4).genome()).hasSize(2 * 3 * 4);
        assertThat(out.resolve("ps-model/config.json")).isRegularFile();
        assertThat(out.resolve("state-dataflow.json")).isRegularFile();

        Recipe best = RecipeParser.parse(out.resolve("best-recipe.yml"));
        assertThat(best.mergeMethod()).isEqualTo("passthrough");
        assertThat(best.slices().getFirst().sources().getFirst().model()).isEqualTo("ps-model");
        assertThat(best.slices().getLast().sources().getFirst().model()).isEqualTo("ps-model");
        assertThat(MergePlanner.plan(best).config().get("num_hidden_layers").asInt()).isEqualTo(best.slices().size());
        assertThat(RecipeParser.parse(out.resolve("ps-recipe.yml")).mergeMethod()).isEqualTo("ties");

        assertThat(outcome.report().rows()).extracting(ScoreRow::name).contains("evolved (parameter stage)", "evolved");
        assertThat(outcome.report().onTest()).isFalse();
        assertThat(Files.readString(out.resolve("report.md"))).contains("No test_tasks were configured");
    }
}
