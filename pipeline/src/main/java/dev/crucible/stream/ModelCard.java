package dev.crucible.stream;

import dev.crucible.error.CrucibleException;
import dev.crucible.plan.MergePlan;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.RecipeWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The README.md of a merged model: how it was made (method, sources) and the recipe that reproduces it. */
public final class ModelCard {

    private ModelCard() {
    }

    /** The card's Markdown text. */
    public static String text(MergePlan plan, String modelName) {
        Recipe recipe = plan.recipe();
        StringBuilder sb = new StringBuilder();
        sb.append("---\nlibrary_name: transformers\ntags:\n- crucible\n- merge\n---\n");
        sb.append("# ").append(modelName).append("\n\n");
        sb.append("This model was merged with Crucible using the `").append(recipe.mergeMethod())
                .append("` method.\n\n## Sources\n\n");
        for (String model : recipe.referencedModels()) {
            sb.append("- `").append(model).append('`');
            if (model.equals(recipe.baseModel())) {
                sb.append(" (base)");
            } else if (model.equals(recipe.taskVectorBase())) {
                sb.append(" (task vectors taken against it)");
            }
            sb.append('\n');
        }
        sb.append("\n## Recipe\n\n```yaml\n").append(RecipeWriter.toYaml(recipe));
        if (sb.charAt(sb.length() - 1) != '\n') {
            sb.append('\n');
        }
        sb.append("```\n");
        return sb.toString();
    }

    /** Writes README.md into {@code dir}, naming the model after {@code modelName}. */
    public static void write(MergePlan plan, String modelName, Path dir) {
        Path file = dir.resolve("README.md");
        try {
            Files.writeString(file, text(plan, modelName));
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot write model card (" + e.getMessage() + ")", e);
        }
    }
}
