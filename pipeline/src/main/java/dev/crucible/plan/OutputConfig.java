package dev.crucible.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.tensor.DType;
import dev.crucible.tokenizer.OutputVocabulary;

import java.util.Locale;

/** The merged model's {@code config.json}, derived from the model whose layout the output takes. */
final class OutputConfig {

    private OutputConfig() {
    }

    /**
     * The layout model's config with {@code num_hidden_layers} (the text config's, for a VLM), {@code torch_dtype}
     * and, when the recipe sets a tokenizer, {@code vocab_size} of the output.
     */
    static JsonNode of(ModelIndex layout, int layers, DType outDtype, OutputVocabulary vocabulary) {
        ObjectNode config = layout.folder().config().deepCopy();
        String torchDtype = switch (outDtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            case F64 -> "float64";
            default -> outDtype.safetensorsName().toLowerCase(Locale.ROOT);
        };
        JsonNode text = config.get("text_config");
        if (text instanceof ObjectNode textConfig) {
            textConfig.put("num_hidden_layers", layers);
            if (textConfig.has("torch_dtype")) {
                textConfig.put("torch_dtype", torchDtype);
            }
        } else {
            config.put("num_hidden_layers", layers);
        }
        if (vocabulary != null) {
            // mergekit's _update_config_vocab: the vocabulary size, padded to pad_to_multiple_of.
            // A vision-language model's vocabulary is its language model's (text_config.vocab_size).
            (text instanceof ObjectNode textConfig ? textConfig : config).put("vocab_size", vocabulary.rows());
        }
        config.put("torch_dtype", torchDtype);
        return config;
    }
}
