package dev.crucible.plan;

import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.checkpoint.TensorName;
import dev.crucible.error.CrucibleException;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.SliceSource;
import dev.crucible.tensor.TensorInfo;

import java.util.List;

/**
 * Refuses a frankenmerge ({@code slices:} with more than one slice) whose sources have different vocabulary
 * sizes: the embeddings come from the first slice and the output head from the last, so the merged model's
 * rows would not agree with each other or with its config, and no loader (Crucible's included) could use it.
 */
public final class SliceVocabularies {

    private SliceVocabularies() {
    }

    /** Checks {@code plan}'s recipe; a recipe with one slice or with {@code models:} passes. */
    public static void check(MergePlan plan, OpenedModels models) {
        Recipe recipe = plan.recipe();
        if (!recipe.usesSlices() || recipe.slices().size() < 2) {
            return;
        }
        String firstModel = null;
        long firstRows = -1;
        for (int i = 0; i < recipe.slices().size(); i++) {
            List<SliceSource> sources = recipe.slices().get(i).sources();
            for (int j = 0; j < sources.size(); j++) {
                String model = sources.get(j).model();
                long rows = vocabularyRows(models.folder(plan.folderOf(model)));
                if (rows < 0) {
                    continue;
                }
                if (firstModel == null) {
                    firstModel = model;
                    firstRows = rows;
                } else if (rows != firstRows) {
                    throw new CrucibleException("slices[" + i + "].sources[" + j + "].model: " + model + " has a"
                            + " vocabulary of " + rows + " tokens but " + firstModel + " has " + firstRows
                            + "; a frankenmerge's slices must come from models with the same vocabulary");
                }
            }
        }
    }

    /** Rows of the token embedding, else the config's vocab_size, else -1. */
    private static long vocabularyRows(ModelFolder folder) {
        for (TensorInfo info : folder.weights().infos()) {
            TensorName name = TensorName.parse(info.name());
            if (name.isEmbedding() && !name.canonical().startsWith("lm_head.")
                    && !name.canonical().startsWith("embed_out.") && info.shape().length == 2) {
                return info.shape()[0];
            }
        }
        return folder.textConfig().path("vocab_size").asLong(-1);
    }
}
