package dev.crucible.runtime.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.crucible.runtime.WeightLoader;
import dev.crucible.runtime.decoder.Linear;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLIP vision transformer as LLaVA uses it: patch embedding (the stride-p convolution done
 * as a matmul over extracted patches), class token, learned positions, pre-LayerNorm, encoder
 * layers. Returns hidden states the way transformers' {@code hidden_states} tuple numbers them
 * (0 = embeddings after pre_layrnorm, i = after layer i); post_layernorm is not used by LLaVA.
 */
public final class ClipVisionTower {

    private final ClipVisionConfig config;
    private final NDArray patchWeight;
    private final NDArray classEmbedding;
    private final NDArray positionEmbedding;
    private final NDArray preNormWeight;
    private final NDArray preNormBias;
    private final List<ClipEncoderLayer> layers;

    private ClipVisionTower(ClipVisionConfig config, NDArray patchWeight, NDArray classEmbedding,
                            NDArray positionEmbedding, NDArray preNormWeight, NDArray preNormBias,
                            List<ClipEncoderLayer> layers) {
        this.config = config;
        this.patchWeight = patchWeight;
        this.classEmbedding = classEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.preNormWeight = preNormWeight;
        this.preNormBias = preNormBias;
        this.layers = List.copyOf(layers);
    }

    /** Loads the tower under prefix (e.g. {@code vision_tower.vision_model.}), only up to layer count layers. */
    public static ClipVisionTower load(ClipVisionConfig c, WeightLoader w, String prefix, int layerCount) {
        long h = c.hiddenSize();
        long p = c.patchSize();
        long ch = c.numChannels();
        String e = prefix + "embeddings.";
        NDArray patch = w.load(e + "patch_embedding.weight", h, ch, p, p).reshape(h, ch * p * p);
        NDArray cls = w.load(e + "class_embedding", h);
        NDArray pos = w.load(e + "position_embedding.weight", c.numPatches() + 1, h);
        String pre = prefix + (w.has(prefix + "pre_layrnorm.weight") ? "pre_layrnorm." : "pre_layernorm.");
        NDArray preW = w.load(pre + "weight", h);
        NDArray preB = w.load(pre + "bias", h);
        List<ClipEncoderLayer> layers = new ArrayList<>();
        long inter = c.intermediateSize();
        for (int i = 0; i < layerCount; i++) {
            String l = prefix + "encoder.layers." + i + ".";
            String a = l + "self_attn.";
            String[] qkvNames = {a + "q_proj.weight", a + "k_proj.weight", a + "v_proj.weight"};
            String[] qkvBiasNames = {a + "q_proj.bias", a + "k_proj.bias", a + "v_proj.bias"};
            layers.add(new ClipEncoderLayer(
                    w.load(l + "layer_norm1.weight", h), w.load(l + "layer_norm1.bias", h),
                    w.loadRows(qkvNames, new long[] {h, h, h}, h),
                    w.loadConcatenatedOptional(qkvBiasNames, new long[] {h, h, h}),
                    w.load(a + "out_proj.weight", h, h), w.loadOptional(a + "out_proj.bias", h),
                    w.load(l + "layer_norm2.weight", h), w.load(l + "layer_norm2.bias", h),
                    w.load(l + "mlp.fc1.weight", inter, h), w.loadOptional(l + "mlp.fc1.bias", inter),
                    w.load(l + "mlp.fc2.weight", h, inter), w.loadOptional(l + "mlp.fc2.bias", h)));
        }
        return new ClipVisionTower(c, patch, cls, pos, preW, preB, layers);
    }

    /** Encoder layers loaded (LLaVA never needs those after its feature layer). */
    public int layerCount() {
        return layers.size();
    }

    /**
     * Hidden states 0..layerCount() for images given as CHW pixels (one float[] per image), each
     * [images, 1 + patches, hidden], created in the step manager.
     */
    public List<NDArray> hiddenStates(NDManager step, List<float[]> pixels) {
        int n = pixels.size();
        int p = config.patchSize();
        int grid = config.imageSize() / p;
        int size = config.imageSize();
        int ch = config.numChannels();
        int patchLen = ch * p * p;
        float[] patches = new float[n * grid * grid * patchLen];
        int at = 0;
        for (float[] img : pixels) {
            for (int gy = 0; gy < grid; gy++) {
                for (int gx = 0; gx < grid; gx++) {
                    for (int c = 0; c < ch; c++) {
                        for (int ky = 0; ky < p; ky++) {
                            int row = c * size * size + (gy * p + ky) * size + gx * p;
                            System.arraycopy(img, row, patches, at, p);
                            at += p;
                        }
                    }
                }
            }
        }
        long h = config.hiddenSize();
        NDArray x = Linear.apply(step.create(patches, new Shape(n, (long) grid * grid, patchLen)), patchWeight, null);
        NDArray cls = step.zeros(new Shape(n, 1, h)).add(classEmbedding);
        x = cls.concat(x, 1).add(positionEmbedding);
        x = layerNorm(x, preNormWeight, preNormBias);
        List<NDArray> states = new ArrayList<>();
        states.add(x);
        for (ClipEncoderLayer layer : layers) {
            x = x.add(attention(layerNorm(x, layer.norm1Weight(), layer.norm1Bias()), layer));
            NDArray m = Linear.apply(layerNorm(x, layer.norm2Weight(), layer.norm2Bias()), layer.fc1(), layer.fc1Bias());
            x = x.add(Linear.apply(config.activation().apply(m), layer.fc2(), layer.fc2Bias()));
            states.add(x);
        }
        return states;
    }

    private NDArray layerNorm(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal()
                .layerNorm(x, new Shape(config.hiddenSize()), weight, bias, config.layerNormEps())
                .singletonOrThrow();
    }

    private NDArray attention(NDArray x, ClipEncoderLayer layer) {
        Shape s = x.getShape();
        long n = s.get(0);
        long t = s.get(1);
        int heads = config.numHeads();
        long d = config.hiddenSize() / heads;
        NDList qkv = Linear.apply(x, layer.qkv(), layer.qkvBias()).split(3, 2);
        NDArray q = qkv.get(0).reshape(n, t, heads, d).transpose(0, 2, 1, 3);
        NDArray k = qkv.get(1).reshape(n, t, heads, d).transpose(0, 2, 1, 3);
        NDArray v = qkv.get(2).reshape(n, t, heads, d).transpose(0, 2, 1, 3);
        NDArray probs = q.matMul(k.transpose(0, 1, 3, 2)).mul((float) Math.pow(d, -0.5)).softmax(-1);
        NDArray o = probs.matMul(v).transpose(0, 2, 1, 3).reshape(n, t, config.hiddenSize());
        return Linear.apply(o, layer.out(), layer.outBias());
    }
}
