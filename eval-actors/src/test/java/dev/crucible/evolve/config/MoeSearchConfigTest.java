package dev.crucible.evolve.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.error.CrucibleException;
import dev.crucible.fixtures.Fixtures;
import dev.crucible.moe.GateMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code genome.space: moe} in the evolve config: what it reads, and one-line refusals of what it does not. */
public class MoeSearchConfigTest {

    public static final String MOE = """
            base_model: zoo2/base
            gate_mode: calibrated
            experts_per_token: 1
            experts:
              - source_model: zoo2/expert-add
                positive_prompts: ["add 20 67 = 87", "add 84 63 = 147"]
              - source_model: zoo2/expert-rev
                positive_prompts: ["rev jcsbpp = ppbscj", "rev smf = fms"]
            """;

    public static final String EVOLVE = """
            genome: {space: moe, layer_groups: 2}
            moe: moe.yml
            search: {population: 2, max_evaluations: 4, sigma: 0.17, seed: 5}
            tasks:      [{name: add, path: zoo2/add_dev.jsonl, limit: 4}, {name: rev, path: zoo2/rev_dev.jsonl, limit: 4}]
            test_tasks: [{name: add, path: zoo2/add_test.jsonl, limit: 4}, {name: rev, path: zoo2/rev_test.jsonl, limit: 4}]
            """;

    @TempDir
    Path dir;

    @BeforeEach
    void zoo2() throws IOException {
        Files.createSymbolicLink(dir.resolve("zoo2"), Fixtures.zoo2().toAbsolutePath().normalize());
    }

    private EvolveConfig parse(String evolve, String moe) throws IOException {
        Files.writeString(dir.resolve("moe.yml"), moe);
        return EvolveConfigParser.parse(Files.writeString(dir.resolve("evolve.yml"), evolve));
    }

    @Test
    void takesBaseAndExpertsFromTheMoeConfig() throws IOException {
        EvolveConfig config = parse(EVOLVE, MOE);
        assertThat(config.genome().space()).isEqualTo(SearchSpace.MOE);
        assertThat(config.genome().layerGroups()).isEqualTo(2);
        assertThat(config.baseModel()).isEqualTo(dir.resolve("zoo2/base").normalize());
        assertThat(config.models()).extracting(p -> p.getFileName().toString())
                .containsExactly("expert-add", "expert-rev");
        assertThat(config.moe().gateMode()).isEqualTo(GateMode.CALIBRATED);
        assertThat(config.moe().experts().get(1).positivePrompts()).containsExactly("rev jcsbpp = ppbscj",
                "rev smf = fms");
        assertThat(config.tasks()).hasSize(2);
        assertThat(config.testTasks()).hasSize(2);
    }

    @Test
    void refusesWhatTheMoeSpaceDoesNotUseInOneLine() throws IOException {
        assertError(EVOLVE.replace("genome: {space: moe, layer_groups: 2}", "genome: {layer_groups: 2}"), MOE,
                "evolve.yml: moe: only used with genome.space: moe");
        assertError(EVOLVE.replace("moe: moe.yml\n", ""), MOE, "evolve.yml: moe: expected the mergekit-moe config file");
        assertError(EVOLVE.replace("moe: moe.yml", "moe: missing.yml"), MOE, "evolve.yml: moe: config file not found");
        assertError("models: [zoo2/expert-add]\n" + EVOLVE, MOE, "evolve.yml: models: not used by the moe space");
        assertError("merge_method: ties\n" + EVOLVE, MOE, "evolve.yml: merge_method: not used by the moe space");
        assertError(EVOLVE.replace("layer_groups: 2}", "layer_groups: 2, filters: [mlp]}"), MOE,
                "evolve.yml: genome.filters: not used by the moe space");
        assertError(EVOLVE.replace("space: moe", "space: mixture"), MOE,
                "evolve.yml: genome.space: expected parameter, dataflow, both or moe");
        assertError(EVOLVE, MOE.replace("    positive_prompts: [\"rev jcsbpp = ppbscj\", \"rev smf = fms\"]\n",
                        "    positive_prompts: [\"rev smf = fms\"]\n    residual_scale: 2\n"),
                "moe.yml: experts[1]: noise_scale and residual_scale are not searched");
        assertError(EVOLVE, MOE.replace("gate_mode: calibrated", "gate_mode: random").replace(
                "    positive_prompts: [\"rev jcsbpp = ppbscj\", \"rev smf = fms\"]\n", ""),
                "moe.yml: experts[1].positive_prompts: missing; the moe search calibrates routers");
        assertError(EVOLVE, MOE.replace("experts_per_token: 1", "experts_per_token: 3"),
                "moe.yml: experts_per_token: 3 but only 2 expert(s)");
        assertError(EVOLVE.replace("layer_groups: 2", "layer_groups: 5"), MOE,
                "evolve.yml: genome.layer_groups: 5 groups but the models have 4 layers; give at most 4");
    }

    private void assertError(String evolve, String moe, String expected) throws IOException {
        assertThatThrownBy(() -> parse(evolve, moe))
                .isInstanceOf(CrucibleException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"))
                .hasMessageContaining(expected);
    }
}
