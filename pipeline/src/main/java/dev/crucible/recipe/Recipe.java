package dev.crucible.recipe;

import dev.crucible.tensor.DType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A merge recipe (mergekit's YAML format): which models, how to merge them, and how to write the result.
 * Model strings are kept as written; {@link #resolve(String)} turns them into folders relative to
 * {@code baseDir}, the recipe file's folder.
 *
 * @param mergeMethod    the method name, e.g. {@code ties}
 * @param baseModel      the base model, or null
 * @param models         the {@code models:} list (empty when the recipe uses slices)
 * @param slices         the {@code slices:} list (empty when the recipe uses models)
 * @param parameters     top-level parameters
 * @param dtype          the {@code dtype} field, or null; math always runs in float32, this only sets the
 *                       default output type
 * @param outDtype       the {@code out_dtype} field, or null
 * @param tokenizerSource {@code base}, a model, or null (base, else the first model)
 * @param chatTemplate   a Jinja chat template to store in tokenizer_config.json, or null
 * @param taskVectorBase Crucible extension: the model task vectors are taken against when it differs from
 *                       {@code base_model} (re-merging onto a newer base), or null
 * @param baseDir        the folder relative model paths are resolved against
 * @param tokenizer      the {@code tokenizer:} block, or null (never set together with {@code tokenizerSource})
 */
public record Recipe(
        String mergeMethod,
        String baseModel,
        List<ModelEntry> models,
        List<Slice> slices,
        Map<String, ParameterValue> parameters,
        DType dtype,
        DType outDtype,
        String tokenizerSource,
        String chatTemplate,
        String taskVectorBase,
        Path baseDir,
        TokenizerSettings tokenizer) {

    /** A recipe without a {@code tokenizer:} block. */
    public Recipe(String mergeMethod, String baseModel, List<ModelEntry> models, List<Slice> slices,
                  Map<String, ParameterValue> parameters, DType dtype, DType outDtype, String tokenizerSource,
                  String chatTemplate, String taskVectorBase, Path baseDir) {
        this(mergeMethod, baseModel, models, slices, parameters, dtype, outDtype, tokenizerSource, chatTemplate,
                taskVectorBase, baseDir, null);
    }

    public Recipe {
        models = List.copyOf(models);
        slices = List.copyOf(slices);
        parameters = Map.copyOf(parameters);
        baseDir = baseDir.toAbsolutePath().normalize();
    }

    /** Whether the recipe lists slices (layer stacking) rather than whole models. */
    public boolean usesSlices() {
        return !slices.isEmpty();
    }

    /**
     * The folder a model string names: absolute as is, relative to the recipe's folder otherwise. For
     * {@code MODEL+LORA_DIR} that is the model's folder; {@link #adapterOf(String)} gives the adapter's.
     */
    public Path resolve(String model) {
        return baseDir.resolve(ModelReference.parse(model).model()).normalize();
    }

    /** The LoRA adapter folder of a {@code MODEL+LORA_DIR} model string, resolved like a model; else null. */
    public Path adapterOf(String model) {
        ModelReference ref = ModelReference.parse(model);
        return ref.hasLora() ? baseDir.resolve(ref.lora()).normalize() : null;
    }

    /**
     * The output vocabulary the recipe asks for: its {@code tokenizer:} block, else its {@code tokenizer_source},
     * else null (the embeddings merge as they are and the tokenizer files are copied from the base).
     */
    public TokenizerSettings tokenizerSettings() {
        if (tokenizer != null) {
            return tokenizer;
        }
        return tokenizerSource == null ? null : TokenizerSettings.ofSource(tokenizerSource);
    }

    /** Optional view of the base model. */
    public Optional<String> base() {
        return Optional.ofNullable(baseModel);
    }

    /** Every model the recipe mentions, base first, each once, in order of appearance. */
    public List<String> referencedModels() {
        Set<String> names = new LinkedHashSet<>();
        if (baseModel != null) {
            names.add(baseModel);
        }
        if (taskVectorBase != null) {
            names.add(taskVectorBase);
        }
        models.forEach(m -> names.add(m.model()));
        slices.forEach(s -> s.sources().forEach(src -> names.add(src.model())));
        return new ArrayList<>(names);
    }
}
