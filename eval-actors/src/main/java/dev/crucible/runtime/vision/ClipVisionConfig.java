package dev.crucible.runtime.vision;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.decoder.Activation;

/**
 * A CLIP vision tower's shape, from LLaVA's {@code vision_config}.
 *
 * @param hiddenSize       channels per patch token
 * @param intermediateSize MLP width
 * @param numHeads         attention heads
 * @param numLayers        encoder layers
 * @param imageSize        square input edge in pixels
 * @param patchSize        square patch edge in pixels
 * @param numChannels      input channels (3)
 * @param layerNormEps     LayerNorm epsilon
 * @param activation       MLP activation (quick_gelu for OpenAI CLIP)
 */
public record ClipVisionConfig(int hiddenSize, int intermediateSize, int numHeads, int numLayers, int imageSize,
                               int patchSize, int numChannels, float layerNormEps, Activation activation) {

    /** Patches per image. */
    public int numPatches() {
        return (imageSize / patchSize) * (imageSize / patchSize);
    }

    /** Parses {@code vision_config}; {@code where} names the file in messages. */
    public static ClipVisionConfig fromJson(JsonNode v, String where) {
        String type = v.path("model_type").asText("clip_vision_model");
        if (!type.equals("clip_vision_model")) {
            throw new CrucibleException(where + ": vision_config.model_type '" + type
                    + "' is not supported; supported: clip_vision_model");
        }
        // transformers omits fields equal to CLIPVisionConfig's defaults, so those are the fallbacks
        return new ClipVisionConfig(
                integer(v, "hidden_size", 768, where), integer(v, "intermediate_size", 3072, where),
                integer(v, "num_attention_heads", 12, where), integer(v, "num_hidden_layers", 12, where),
                integer(v, "image_size", 224, where), integer(v, "patch_size", 32, where),
                v.path("num_channels").asInt(3), (float) v.path("layer_norm_eps").asDouble(1e-5),
                Activation.parse(v.path("hidden_act").asText("quick_gelu"), where + ": vision_config.hidden_act"));
    }

    private static int integer(JsonNode v, String field, int fallback, String where) {
        JsonNode n = v.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.canConvertToInt()) {
            throw new CrucibleException(where + ": vision_config." + field + " is not an integer");
        }
        return n.asInt();
    }
}
