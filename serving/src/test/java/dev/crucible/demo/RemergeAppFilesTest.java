package dev.crucible.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.app.AppConfig;
import dev.crucible.app.AppConfigParser;
import dev.crucible.task.TaskSelection;
import dev.crucible.error.CrucibleException;
import dev.crucible.fixtures.Fixtures;
import dev.crucible.recipe.ModelEntry;
import dev.crucible.recipe.ParameterValue;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.remerge.RecipeMerger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RemergeAppFilesTest {

    private static final Path ZOO = Fixtures.zoo();

    @TempDir
    Path dir;

    private DemoZoo zoo;
    private Path evolved;

    @BeforeEach
    void evolvedRecipeWithPathsRelativeToItsFolder() throws IOException {
        Files.createSymbolicLink(dir.resolve("zoo"), ZOO);
        zoo = DemoZoo.open(dir.resolve("zoo"));
        evolved = Files.createDirectories(dir.resolve("evolve")).resolve("best-recipe.yml");
        Files.writeString(evolved, """
                merge_method: task_arithmetic
                base_model: ../zoo/base
                models:
                  - model: ../zoo/expert-add
                    parameters: {weight: [0.9, 1.3]}
                  - model: ../zoo/expert-rev
                    parameters: {weight: [1.1, 0.7]}
                dtype: float32
                """);
    }

    @Test
    void theServiceRecipeMovesTheEvolvedTaskVectorsOntoEachNewBase() {
        Path app = RemergeAppFiles.write(dir.resolve("service"), evolved, zoo, 0, 16);
        AppConfig config = AppConfigParser.parse(app);

        Recipe onV2 = RecipeMerger.load(config.recipe(), 1).recipeFor(zoo.baseV2());

        assertThat(onV2.baseModel()).isEqualTo(zoo.baseV2().toString());
        assertThat(onV2.taskVectorBase()).isEqualTo(zoo.base().toString());
        assertThat(onV2.models()).extracting(ModelEntry::model)
                .containsExactly(zoo.expertAdd().toString(), zoo.expertRev().toString());
        Recipe original = RecipeParser.parse(evolved);
        for (int i = 0; i < 2; i++) {
            ParameterValue weight = onV2.models().get(i).parameters().get("weight");
            assertThat(weight).isEqualTo(original.models().get(i).parameters().get("weight"));
        }
    }

    @Test
    void theAppConfigServesTheChampionFromBaseAndGatesOnTheDevSplit() throws IOException {
        Path app = RemergeAppFiles.write(dir.resolve("service"), evolved, zoo, 0, 16);
        AppConfig config = AppConfigParser.parse(app);

        assertThat(config.initialBase()).isEqualTo(zoo.base());
        assertThat(config.basesDir()).isDirectory().isEmptyDirectory();
        assertThat(config.serve().port()).isZero();
        assertThat(config.tasks()).extracting(TaskSelection::name).containsExactly("add", "rev");
        assertThat(config.tasks()).extracting(TaskSelection::path).containsExactly(zoo.addDev(), zoo.revDev());
        assertThat(config.tasks()).extracting(TaskSelection::limit).containsOnly(OptionalInt.of(16));
        Path token = config.serve().adminTokenFile().orElseThrow();
        assertThat(Files.readString(token).strip()).matches("[0-9a-f]{32}");
        assertThat(Files.readString(RemergeAppFiles.write(dir.resolve("again"), evolved, zoo, 0, 16)
                .resolveSibling(RemergeAppFiles.TOKEN))).isNotEqualTo(Files.readString(token));
    }

    @Test
    void aRecipeWithoutABaseCannotBeReMerged() throws IOException {
        Path stacked = Files.writeString(dir.resolve("stacked.yml"), """
                merge_method: passthrough
                slices:
                  - sources:
                      - model: zoo/expert-add
                        layer_range: [0, 2]
                """);

        assertThatThrownBy(() -> RemergeAppFiles.write(dir.resolve("service"), stacked, zoo, 0, 16))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("no base_model to re-merge onto");
    }
}
