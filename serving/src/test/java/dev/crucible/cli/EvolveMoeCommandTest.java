package dev.crucible.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.fixtures.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code crucible evolve} over a mixture of experts (genome.space: moe) on zoo2, driven as a user runs it. */
class EvolveMoeCommandTest {

    private static final String MOE = """
            base_model: zoo2/base
            experts_per_token: 1
            experts:
              - source_model: zoo2/expert-add
                positive_prompts: ["add 20 67 = 87", "add 84 63 = 147", "add 72 41 = 113"]
              - source_model: zoo2/expert-rev
                positive_prompts: ["rev ytwauig = giuawty", "rev jcsbpp = ppbscj", "rev smf = fms"]
            """;

    private static final String EVOLVE = """
            genome: {space: moe}
            moe: moe.yml
            search: {population: 2, max_evaluations: 2, seed: 1}
            tasks:      [{name: add, path: zoo2/add_dev.jsonl, limit: 2}, {name: rev, path: zoo2/rev_dev.jsonl, limit: 2}]
            test_tasks: [{name: add, path: zoo2/add_test.jsonl, limit: 2}, {name: rev, path: zoo2/rev_test.jsonl, limit: 2}]
            """;

    @TempDir
    Path dir;

    @BeforeEach
    void zoo2() throws IOException {
        Files.createSymbolicLink(dir.resolve("zoo2"), Fixtures.zoo2().toAbsolutePath().normalize());
        Files.writeString(dir.resolve("moe.yml"), MOE);
    }

    @Test
    void searchesTheMixtureAndPointsToTheModelAndReport() throws IOException {
        Path config = Files.writeString(dir.resolve("evolve.yml"), EVOLVE);
        Path out = dir.resolve("out");

        CliRun r = CliRun.crucible("evolve", config.toString(), out.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("evolved merge: mean test accuracy \\d+\\.\\d%")
                .contains("model:  " + out.resolve("model"), "report: " + out.resolve("report.md"))
                .doesNotContain("recipe:");
        assertThat(out.resolve("model/config.json")).content().contains("MixtralForCausalLM");
        assertThat(out.resolve("report.md")).content().contains("| moe calibrated top-1 | moe |", "`experts_per_token`", "`router_scale`");
    }

    @Test
    void aFieldOfAnotherSpaceIsAOneLineError() throws IOException {
        Path config = Files.writeString(dir.resolve("evolve.yml"), "merge_method: ties\n" + EVOLVE);

        CliRun r = CliRun.crucible("evolve", config.toString(), dir.resolve("out").toString());

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("error: " + config + ": merge_method: not used by the moe space (the base "
                + "and experts come from the moe config); remove it");
        assertThat(dir.resolve("out")).doesNotExist();
    }
}
