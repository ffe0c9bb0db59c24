package dev.crucible.evolve.config;

import dev.crucible.task.TaskSelection;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.Zoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvolveConfigParserTest {

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path zoo = Zoo.dir().toAbsolutePath().normalize();
        Files.createSymbolicLink(dir.resolve("zoo"), zoo);
        return Files.writeString(dir.resolve("evolve.yml"), yaml);
    }

    private static final String ISSUE_EXAMPLE = """
            base_model: zoo/base
            models: [zoo/expert-add, zoo/expert-rev]
            merge_method: dare_ties
            genome: {layer_groups: 1, filters: []}
            search: {population: 8, max_evaluations: 96, sigma: 0.17, seed: 1}
            tasks:      [{name: add, path: zoo/add_dev.jsonl}, {name: rev, path: zoo/rev_dev.jsonl}]
            test_tasks: [{name: add, path: zoo/add_test.jsonl}, {name: rev, path: zoo/rev_test.jsonl}]
            """;

    @Test
    void readsTheIssueExampleWithPathsRelativeToTheFile() throws IOException {
        EvolveConfig config = EvolveConfigParser.parse(write(ISSUE_EXAMPLE));
        assertThat(config.baseModel()).isEqualTo(dir.resolve("zoo/base").toAbsolutePath().normalize());
        assertThat(config.models()).extracting(p -> p.getFileName().toString()).containsExactly("expert-add", "expert-rev");
        assertThat(config.mergeMethod()).isEqualTo("dare_ties");
        assertThat(config.genome()).isEqualTo(new GenomeSettings(1, List.of(), SearchSpace.PARAMETER, 0, 2, null, 2, 2));
        assertThat(config.search()).isEqualTo(new SearchSettings(8, 96, 0.17, 1, null, 0));
        assertThat(config.tasks()).extracting(TaskSelection::name).containsExactly("add", "rev");
        assertThat(config.testTasks().getFirst().spec().path().getFileName().toString()).isEqualTo("add_test.jsonl");
    }

    @Test
    void readsGenomeOptionsAndTaskLimits() throws IOException {
        EvolveConfig config = EvolveConfigParser.parse(write(ISSUE_EXAMPLE
                .replace("{layer_groups: 1, filters: []}",
                        "{layer_groups: 4, filters: [self_attn, mlp], space: both, weight_range: [-1, 3], normalize: true}")
                .replace("{name: add, path: zoo/add_dev.jsonl}", "{name: add, path: zoo/add_dev.jsonl, limit: 10}")));
        assertThat(config.genome()).isEqualTo(new GenomeSettings(4, List.of("self_attn", "mlp"), SearchSpace.BOTH,
                -1, 3, true, 2, 2));
        assertThat(config.tasks().getFirst().load().items()).hasSize(10);
    }

    @Test
    void readsATaskVectorBaseForMergingOntoAVlm() throws IOException {
        EvolveConfig config = EvolveConfigParser.parse(write(ISSUE_EXAMPLE
                .replace("base_model: zoo/base", "base_model: zoo/vlm\ntask_vector_base: zoo/base")
                .replace("[zoo/expert-add, zoo/expert-rev]", "[zoo/expert-add]")));
        assertThat(config.baseModel().getFileName().toString()).isEqualTo("vlm");
        assertThat(config.taskVectorBase().getFileName().toString()).isEqualTo("base");
    }

    @Test
    void errorsNameTheFileAndTheField() throws IOException {
        Path file = write(ISSUE_EXAMPLE);
        assertError(file, ISSUE_EXAMPLE.replace("sigma: 0.17", "sigma: -1"), "search.sigma: expected a positive");
        assertError(file, ISSUE_EXAMPLE.replace("seed: 1}", "seed: 1, popsize: 3}"), "search.popsize: unknown key");
        assertError(file, ISSUE_EXAMPLE.replace("merge_method: dare_ties", "merge_method: karcher"),
                "merge_method: 'karcher' cannot be evolved");
        assertError(file, ISSUE_EXAMPLE.replace("base_model: zoo/base\n", ""), "base_model: missing");
        assertError(file, ISSUE_EXAMPLE.replace("zoo/expert-rev]", "zoo/expert-nope]"),
                "models[1]: model folder not found");
        assertError(file, ISSUE_EXAMPLE.replace("filters: []", "filters: [], space: sideways"),
                "genome.space: expected parameter, dataflow, both or moe");
        assertError(file, ISSUE_EXAMPLE.replace("zoo/rev_dev.jsonl", "zoo/missing.jsonl"), "tasks[1].path: task file not found");
        assertError(file, ISSUE_EXAMPLE.replace("max_evaluations: 96", "max_evaluations: 4"),
                "search.max_evaluations: 4 is less than one generation of 8");
        assertError(file, "models: [zoo/expert-add]\n", "merge_method: missing");
        assertError(file, ISSUE_EXAMPLE.replace("merge_method: dare_ties", "merge_method: linear\ntask_vector_base: zoo/base"),
                "task_vector_base: applies to task-vector merges");
    }

    private void assertError(Path file, String yaml, String expected) throws IOException {
        Files.writeString(file, yaml);
        assertThatThrownBy(() -> EvolveConfigParser.parse(file))
                .isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith(file.toString() + ": ")
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
