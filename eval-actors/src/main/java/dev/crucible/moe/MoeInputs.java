package dev.crucible.moe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.error.CrucibleException;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The checks made before anything is computed or written: every model opens, all are Llama or Mistral of
 * one model_type (mergekit's Mixtral {@code supports_config}), the experts' MLPs have the base's shapes,
 * the base has nothing Mixtral cannot hold (biases), and the output folder is none of the inputs.
 *
 * @param baseConfig  the base's config.json
 * @param layers      num_hidden_layers
 * @param hidden      hidden_size
 * @param outDtype    the output dtype (config's dtype, else the base's torch_dtype, else its embedding's)
 */
public record MoeInputs(JsonNode baseConfig, int layers, int hidden, DType outDtype) {

    private static final Set<String> MIXTRAL_SOURCES = Set.of("llama", "mistral");
    private static final List<String> MLP = List.of("gate_proj", "up_proj", "down_proj");

    /** Checks {@code config}'s models and that {@code outDir} is none of them. */
    public static MoeInputs check(MoeConfig config, Path outDir) {
        Path out = outDir.toAbsolutePath().normalize();
        for (Path in : config.inputs()) {
            if (out.equals(in) || out.startsWith(in) || in.startsWith(out)) {
                throw new CrucibleException(outDir + ": the output folder " + (out.equals(in) ? "is" : in.startsWith(out)
                        ? "contains" : "is inside") + " the input model " + in + "; choose another output folder");
            }
        }
        JsonNode base;
        String baseType;
        int layers;
        int hidden;
        DType dtype;
        try (ModelFolder folder = ModelFolder.open(config.baseModel())) {
            base = folder.config();
            baseType = folder.modelType();
            if (!MIXTRAL_SOURCES.contains(baseType)) {
                throw new CrucibleException("base_model: " + config.baseModel() + " is model_type '" + baseType
                        + "'; the Mixtral output is built from Llama or Mistral models");
            }
            layers = folder.numHiddenLayers();
            hidden = base.path("hidden_size").asInt(0);
            if (hidden <= 0) {
                throw new CrucibleException(config.baseModel() + "/config.json: hidden_size is missing");
            }
            Checkpoint weights = folder.weights();
            for (String name : weights.tensorNames()) {
                if (name.endsWith(".bias")) {
                    throw new CrucibleException("base_model: " + config.baseModel() + " has bias tensors (e.g. " + name
                            + "); Mixtral has none, so the MoE would not compute what the base does");
                }
            }
            dtype = config.dtype() != null ? config.dtype() : baseDtype(base, weights);
            for (int l = 0; l < layers; l++) {
                for (String m : MLP) {
                    String name = mlpName(l, m);
                    if (!weights.contains(name)) {
                        throw new CrucibleException("base_model: " + config.baseModel() + " has no tensor " + name);
                    }
                }
            }
            for (int e = 0; e < config.experts().size(); e++) {
                checkExpert(config.experts().get(e).sourceModel(), "experts[" + e + "].source_model", baseType,
                        layers, weights);
            }
        }
        try (ModelFolder tok = ModelFolder.open(config.tokenizerSource())) {
            if (tok.tokenizerFiles().isEmpty()) {
                throw new CrucibleException("tokenizer_source: " + config.tokenizerSource() + " has no tokenizer files");
            }
        }
        return new MoeInputs(base, layers, hidden, dtype);
    }

    private static void checkExpert(Path dir, String where, String baseType, int layers, Checkpoint base) {
        try (ModelFolder folder = ModelFolder.open(dir)) {
            if (!baseType.equals(folder.modelType())) {
                throw new CrucibleException(where + ": " + dir + " is model_type '" + folder.modelType()
                        + "' but the base is '" + baseType + "'; Mixtral needs all models of one architecture");
            }
            if (folder.numHiddenLayers() != layers) {
                throw new CrucibleException(where + ": " + dir + " has " + folder.numHiddenLayers()
                        + " layers, the base " + layers + "; experts must be fine-tunes of the base");
            }
            Checkpoint weights = folder.weights();
            for (int l = 0; l < layers; l++) {
                for (String m : MLP) {
                    String name = mlpName(l, m);
                    if (!weights.contains(name)) {
                        throw new CrucibleException(where + ": " + dir + " has no tensor " + name);
                    }
                    TensorInfo mine = weights.info(name);
                    TensorInfo theirs = base.info(name);
                    if (!Arrays.equals(mine.shape(), theirs.shape())) {
                        throw new CrucibleException(where + ": " + name + " has shape " + Arrays.toString(mine.shape())
                                + ", the base's is " + Arrays.toString(theirs.shape())
                                + "; experts must be fine-tunes of the base");
                    }
                }
            }
        }
    }

    // select_dtype: the config's dtype, else the base's torch_dtype.
    private static DType baseDtype(JsonNode config, Checkpoint weights) {
        JsonNode t = config.hasNonNull("torch_dtype") ? config.get("torch_dtype") : config.get("dtype");
        if (t != null && t.isTextual()) {
            return DType.parseUserName(t.asText(), "base_model config.json: torch_dtype");
        }
        return weights.info("model.embed_tokens.weight").dtype();
    }

    /** The dense MLP tensor {@code proj} of layer {@code layer}. */
    static String mlpName(int layer, String proj) {
        return "model.layers." + layer + ".mlp." + proj + ".weight";
    }
}
