package dev.crucible.runtime.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.ImageInput;
import dev.crucible.runtime.WeightLoader;
import dev.crucible.runtime.decoder.Activation;
import dev.crucible.runtime.decoder.Linear;
import java.util.ArrayList;
import java.util.List;

/**
 * LLaVA's image path: preprocess, CLIP tower, pick the configured hidden state(s)
 * ({@code vision_feature_layer}, negative counts from the end of the hidden-states tuple; a list
 * concatenates several), drop the class token for strategy {@code default}, then the
 * linear-act-linear projector into the language model's embedding space.
 */
public final class LlavaImageEncoder {

    private final ImagePreprocessor preprocessor;
    private final ClipVisionTower tower;
    private final int[] featureLayers;
    private final boolean keepClassToken;
    private final Activation projectorActivation;
    private final NDArray linear1;
    private final NDArray linear1Bias;
    private final NDArray linear2;
    private final NDArray linear2Bias;
    private final int tokensPerImage;

    private LlavaImageEncoder(ImagePreprocessor preprocessor, ClipVisionTower tower, int[] featureLayers,
                              boolean keepClassToken, Activation projectorActivation, NDArray linear1,
                              NDArray linear1Bias, NDArray linear2, NDArray linear2Bias, int tokensPerImage) {
        this.preprocessor = preprocessor;
        this.tower = tower;
        this.featureLayers = featureLayers;
        this.keepClassToken = keepClassToken;
        this.projectorActivation = projectorActivation;
        this.linear1 = linear1;
        this.linear1Bias = linear1Bias;
        this.linear2 = linear2;
        this.linear2Bias = linear2Bias;
        this.tokensPerImage = tokensPerImage;
    }

    /**
     * Loads from a LLaVA config (the whole config.json) and the processor settings (may be null);
     * visionPrefix and projectorPrefix select the classic or current tensor naming.
     */
    public static LlavaImageEncoder load(JsonNode config, JsonNode preprocessorConfig, WeightLoader w,
                                         String visionPrefix, String projectorPrefix, int textHidden, String where) {
        ClipVisionConfig vc = ClipVisionConfig.fromJson(config.path("vision_config"), where);
        int states = vc.numLayers() + 1;
        JsonNode fl = config.get("vision_feature_layer");
        int[] layers;
        if (fl == null || fl.isNull()) {
            layers = new int[] {states - 2};
        } else if (fl.isArray()) {
            layers = new int[fl.size()];
            for (int i = 0; i < layers.length; i++) {
                layers[i] = resolve(fl.get(i).asInt(), states, where);
            }
        } else {
            layers = new int[] {resolve(fl.asInt(), states, where)};
        }
        String strategy = config.path("vision_feature_select_strategy").asText("default");
        if (!strategy.equals("default") && !strategy.equals("full")) {
            throw new CrucibleException(where + ": vision_feature_select_strategy '" + strategy
                    + "' is not supported; use default or full");
        }
        boolean full = strategy.equals("full");
        int deepest = 0;
        for (int l : layers) {
            deepest = Math.max(deepest, l);
        }
        ClipVisionTower tower = ClipVisionTower.load(vc, w, visionPrefix, deepest);
        long in = (long) vc.hiddenSize() * layers.length;
        String act = config.path("projector_hidden_act").asText("gelu");
        String p = projectorPrefix;
        NDArray l1 = w.load(p + "linear_1.weight", textHidden, in);
        NDArray l1b = w.loadOptional(p + "linear_1.bias", textHidden);
        NDArray l2 = w.load(p + "linear_2.weight", textHidden, textHidden);
        NDArray l2b = w.loadOptional(p + "linear_2.bias", textHidden);
        ImagePreprocessor pre = ImagePreprocessor.fromConfig(preprocessorConfig, vc.imageSize(), where);
        int tokens = vc.numPatches() + (full ? 1 : 0);
        return new LlavaImageEncoder(pre, tower, layers, full, Activation.parse(act, where + ": projector_hidden_act"),
                l1, l1b, l2, l2b, tokens);
    }

    private static int resolve(int layer, int states, String where) {
        int idx = layer < 0 ? states + layer : layer;
        if (idx < 0 || idx >= states) {
            throw new CrucibleException(where + ": vision_feature_layer " + layer + " is outside the tower's "
                    + states + " hidden states");
        }
        return idx;
    }

    /** Feature tokens each image becomes. */
    public int tokensPerImage() {
        return tokensPerImage;
    }

    /** Projected features [images * tokensPerImage, textHidden], images in order, in the step manager. */
    public NDArray encode(NDManager step, List<ImageInput> images) {
        List<float[]> pixels = new ArrayList<>();
        for (ImageInput img : images) {
            pixels.add(preprocessor.pixels(img));
        }
        List<NDArray> states = tower.hiddenStates(step, pixels);
        NDList picked = new NDList();
        for (int l : featureLayers) {
            NDArray s = states.get(l);
            picked.add(keepClassToken ? s : s.get(":, 1:, :"));
        }
        NDArray features = picked.size() == 1 ? picked.get(0) : NDArrays.concat(picked, 2);
        NDArray h = Linear.apply(features, linear1, linear1Bias);
        h = Linear.apply(projectorActivation.apply(h), linear2, linear2Bias);
        return h.reshape(-1, h.getShape().get(2));
    }
}
