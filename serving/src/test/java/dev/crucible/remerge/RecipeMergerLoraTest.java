package dev.crucible.remerge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.recipe.Recipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ${BASE}+LORA_DIR} in an app's recipe keeps the adapter on every base substituted for {@code ${BASE}}. */
class RecipeMergerLoraTest {

    @TempDir
    Path dir;

    private Recipe onto(String yaml, Path base) throws IOException {
        Path recipe = Files.writeString(dir.resolve("recipe.yml"), yaml);
        return RecipeMerger.load(recipe, 1).recipeFor(base);
    }

    @Test
    void theAdapterFollowsTheBaseQuotedOrNot() throws IOException {
        Path base = dir.resolve("bases/new base");
        for (String model : new String[] {"${BASE}+loras/add", "\"${BASE}+loras/add\"", "'${BASE}+loras/add'"}) {
            Recipe recipe = onto("merge_method: passthrough\nmodels:\n  - model: " + model + "\n", base);
            String written = recipe.models().getFirst().model();
            assertThat(written).as(model).isEqualTo(base + "+loras/add");
            assertThat(recipe.resolve(written)).isEqualTo(base);
            assertThat(recipe.adapterOf(written)).isEqualTo(dir.resolve("loras/add"));
        }
        // The template is parsed as YAML before ${BASE} is replaced, so inside a flow mapping it is quoted (the
        // braces of an unquoted ${BASE} are flow indicators there, for PyYAML too).
        Recipe flow = onto("merge_method: task_arithmetic\nbase_model: ${BASE}\nmodels: [{model: \"${BASE}+a\", "
                + "parameters: {weight: 1}}]\n", base);
        assertThat(flow.baseModel()).isEqualTo(base.toString());
        assertThat(flow.models().getFirst().model()).isEqualTo(base + "+a");
        assertThat(flow.adapterOf(flow.baseModel())).isNull();
    }
}
