package dev.crucible.remerge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.error.CrucibleException;
import dev.crucible.recipe.ModelEntry;
import dev.crucible.recipe.Recipe;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ${BASE}} is replaced in the parsed recipe, so no folder name can change the recipe's structure. */
class RecipeMergerTest {

    @TempDir
    Path dir;

    RecipeMerger merger(String yaml) throws Exception {
        return RecipeMerger.load(Files.writeString(dir.resolve("recipe.yml"), yaml), 1);
    }

    @Test
    void aBaseFolderNameWithANewlineQuotesAndYamlSyntaxStaysOneModelPath() throws Exception {
        RecipeMerger merger = merger("""
                merge_method: task_arithmetic
                base_model: ${BASE}
                models:
                  - {model: expert-add, parameters: {weight: 1.0}}
                  - model: "${BASE}"
                    parameters: {weight: 0.5}
                """);
        Path base = dir.resolve("new\nbase: \"x\" # {y}, 'z'");

        Recipe recipe = merger.recipeFor(base);

        assertThat(recipe.baseModel()).isEqualTo(base.toString());
        assertThat(recipe.models()).extracting(ModelEntry::model).containsExactly("expert-add", base.toString());
        assertThat(recipe.mergeMethod()).isEqualTo("task_arithmetic");
    }

    @Test
    void basePlaceholderInsideAModelStringKeepsTheRestOfIt() throws Exception {
        RecipeMerger merger = merger("""
                merge_method: linear
                base_model: ${BASE}
                models:
                  - {model: "${BASE}+adapters/add", parameters: {weight: 1.0}}
                """);

        Recipe recipe = merger.recipeFor(dir.resolve("v2"));

        assertThat(recipe.models().getFirst().model()).isEqualTo(dir.resolve("v2") + "+adapters/add");
    }

    @Test
    void aRecipeWithoutThePlaceholderInAModelFieldIsRefused() throws Exception {
        assertThatThrownBy(() -> merger("""
                merge_method: linear
                base_model: base
                models:
                  - {model: expert-add, parameters: {weight: 1.0}}
                """)).isInstanceOf(CrucibleException.class).hasMessageContaining("must name the base as base_model: ${BASE}");
    }
}
