package dev.crucible.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.recipe.Recipe;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import dev.crucible.tokenizer.OutputVocabulary;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything a merge will do, decided and checked before any tensor data is read.
 *
 * @param recipe          the recipe this plan was made from
 * @param tensors         output tensors in write order
 * @param models          each model string of the recipe and its folder
 * @param config          the output config.json ({@code num_hidden_layers} and {@code torch_dtype} set)
 * @param outDtype        the dtype floating-point tensors are written in
 * @param layoutModel     the model whose naming, config and extra files (processor files) the output takes
 * @param tokenizerSource the folder tokenizer files and generation_config.json are copied from
 * @param chatTemplate    a chat template to store in tokenizer_config.json, or null
 * @param vocabulary      the output vocabulary when the recipe sets a tokenizer (its files are written, not
 *                        copied, when {@link OutputVocabulary#rewritten()}), else null
 */
public record MergePlan(Recipe recipe, List<PlannedTensor> tensors, Map<String, Path> models, JsonNode config,
                        DType outDtype, Path layoutModel, Path tokenizerSource, String chatTemplate,
                        OutputVocabulary vocabulary) {

    /** A plan whose tokenizer files are copied from {@code tokenizerSource}. */
    public MergePlan(Recipe recipe, List<PlannedTensor> tensors, Map<String, Path> models, JsonNode config,
                     DType outDtype, Path layoutModel, Path tokenizerSource, String chatTemplate) {
        this(recipe, tensors, models, config, outDtype, layoutModel, tokenizerSource, chatTemplate, null);
    }

    public MergePlan {
        tensors = List.copyOf(tensors);
        models = Map.copyOf(models);
        config = config.deepCopy();
    }

    @Override
    public JsonNode config() {
        return config.deepCopy();
    }

    /** The output tensors' header facts, in write order. */
    public List<TensorInfo> outputs() {
        return tensors.stream().map(PlannedTensor::output).toList();
    }

    /** Bytes the output tensors occupy on disk. */
    public long outputBytes() {
        return tensors.stream().mapToLong(t -> t.output().byteSize()).sum();
    }

    /**
     * Every folder the merge reads: the models, the tokenizer source and the model the output's layout comes
     * from. No output may be written over, around or inside them.
     */
    public List<Path> inputFolders() {
        java.util.LinkedHashSet<Path> folders = new java.util.LinkedHashSet<>(models.values());
        folders.add(layoutModel);
        if (tokenizerSource != null) {
            folders.add(tokenizerSource);
        }
        return List.copyOf(folders);
    }

    /** The folder of a model string of the recipe. */
    public Path folderOf(String model) {
        Path p = models.get(model);
        if (p == null) {
            throw new IllegalArgumentException("model not in plan: " + model);
        }
        return p;
    }
}
