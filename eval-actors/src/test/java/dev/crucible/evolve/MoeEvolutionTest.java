package dev.crucible.evolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.evolve.config.EvolveConfig;
import dev.crucible.evolve.config.EvolveConfigParser;
import dev.crucible.evolve.config.MoeSearchConfigTest;
import dev.crucible.evolve.journal.Journal;
import dev.crucible.evolve.journal.JournalEntry;
import dev.crucible.evolve.report.ScoreRow;
import dev.crucible.fixtures.Fixtures;
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
 * The MoE search on zoo2 with a tiny budget (2 generations of 2, 4 items per task): its outputs and report
 * (sources, hand merges, every compared gate mode, evolved), and the same result from a run paused after one
 * generation and resumed.
 */
class MoeEvolutionTest {

    @TempDir
    static Path dir;

    private static EvolveConfig config;
    private static Path uninterrupted;
    private static EvolutionOutcome outcome;
    private static String progress;

    @BeforeAll
    static void runUninterrupted() throws IOException {
        Files.createSymbolicLink(dir.resolve("zoo2"), Fixtures.zoo2().toAbsolutePath().normalize());
        Files.writeString(dir.resolve("moe.yml"), MoeSearchConfigTest.MOE);
        config = EvolveConfigParser.parse(Files.writeString(dir.resolve("evolve.yml"), MoeSearchConfigTest.EVOLVE));
        uninterrupted = dir.resolve("full");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        outcome = Evolution.run(config, uninterrupted, new EvolveOptions(1, false, 0, 2),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        progress = err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void writesTheEvolvedMixtureJournalAndAReportOfEveryGateMode() throws IOException {
        assertThat(outcome.paused()).isFalse();
        for (String file : List.of("journal.jsonl", "state.json", "report.md", "fitness.png", "scores.json",
                "model/config.json", "model/tokenizer.json", "model/README.md", "moe-hidden/config.json",
                "moe-cheap_embed/config.json", "moe-random/config.json", "moe-calibrated/config.json")) {
            assertThat(uninterrupted.resolve(file)).as(file).isRegularFile();
        }
        assertThat(uninterrupted.resolve("best-recipe.yml")).doesNotExist();
        JsonNode mixtral = new ObjectMapper().readTree(uninterrupted.resolve("model/config.json").toFile());
        assertThat(mixtral.get("model_type").asText()).isEqualTo("mixtral");
        assertThat(mixtral.get("num_local_experts").asInt()).isEqualTo(2);

        List<JournalEntry> journal = new Journal(uninterrupted.resolve("journal.jsonl")).read();
        assertThat(journal).extracting(JournalEntry::generation).containsExactly(0, 0, 1, 1);
        assertThat(journal).allSatisfy(e -> {
            assertThat(e.ok()).isTrue();
            assertThat(e.stage()).isEqualTo("moe");
            assertThat(e.genome()).hasSize(6);
            assertThat(e.parameters()).containsKeys("experts_per_token", "l2", "router_scale", "layers");
            assertThat(e.fitness()).isEqualTo(-(e.dev().get("add") + e.dev().get("rev")) / 2);
        });

        assertThat(outcome.report().rows()).extracting(ScoreRow::name).containsExactly("base", "expert-add",
                "expert-rev", "linear 50/50", "task_arithmetic weights 1", "ties density 0.5 weights 1",
                "moe hidden top-1", "moe cheap_embed top-1", "moe random top-1", "moe calibrated top-1", "evolved");
        assertThat(Files.readString(uninterrupted.resolve("report.md"))).contains("| moe hidden top-1 | moe |",
                "| moe calibrated top-1 | moe |", "**evolved**", "`experts_per_token`");
        assertThat(progress).contains("moe search: 6 genes", "generation 1, 4/4 evaluations");
        // The written mixture scores what the in-memory candidate scored during the search.
        double best = journal.stream().mapToDouble(JournalEntry::fitness).min().orElseThrow();
        assertThat(outcome.report().evolved().devMean()).isCloseTo(-best, offset(1e-9));
    }

    @Test
    void pausedAndResumedSearchEndsWithTheSameResult() throws IOException {
        Path resumed = dir.resolve("resumed");
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        EvolutionOutcome paused = Evolution.run(config, resumed, new EvolveOptions(1, false, 1, 2), quiet);
        assertThat(paused.paused()).isTrue();
        assertThat(new Journal(resumed.resolve("journal.jsonl")).read()).hasSize(2);
        EvolutionOutcome finished = Evolution.run(config, resumed, new EvolveOptions(1, true, 0, 2), quiet);
        assertThat(finished.paused()).isFalse();
        List<JournalEntry> a = new Journal(uninterrupted.resolve("journal.jsonl")).read();
        List<JournalEntry> b = new Journal(resumed.resolve("journal.jsonl")).read();
        assertThat(b).hasSameSizeAs(a);
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i).genome()).containsExactly(a.get(i).genome());
            assertThat(b.get(i).fitness()).isEqualTo(a.get(i).fitness());
        }
        assertThat(finished.report().parameters()).isEqualTo(outcome.report().parameters());
    }
}
