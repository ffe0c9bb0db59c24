package dev.crucible.runtime.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.error.CrucibleException;

/**
 * Rotary position embedding as transformers computes it: inverse frequencies in float32 from
 * {@code rope_theta} (optionally rescaled by {@code rope_scaling}), cos/sin of position x frequency,
 * applied with rotate_half to the first {@code rotaryDim} channels of each head.
 */
public final class RotaryEmbedding {

    private final float[] invFreq;
    private final int rotaryDim;
    private final int headDim;

    /** Frequencies for a head; rotaryDim may be smaller than headDim (partial rotary). */
    public RotaryEmbedding(float[] invFreq, int rotaryDim, int headDim) {
        this.invFreq = invFreq.clone();
        this.rotaryDim = rotaryDim;
        this.headDim = headDim;
    }

    /** Builds the embedding a config describes; unknown {@code rope_scaling} types are a user error. */
    public static RotaryEmbedding fromConfig(JsonNode config, int headDim, String where) {
        double theta = config.path("rope_theta").asDouble(10000.0);
        double partial = config.path("partial_rotary_factor").asDouble(1.0);
        int rotaryDim = (int) (headDim * partial);
        if (rotaryDim % 2 != 0 || rotaryDim <= 0) {
            throw new CrucibleException(where + ": partial_rotary_factor " + partial + " gives an odd rotary size " + rotaryDim);
        }
        float[] inv = new float[rotaryDim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / rotaryDim;
            inv[i] = 1.0f / (float) Math.pow(theta, exponent);
        }
        JsonNode scaling = config.get("rope_scaling");
        if (scaling != null && !scaling.isNull()) {
            String type = scaling.path("rope_type").asText(scaling.path("type").asText("default"));
            switch (type) {
                case "default" -> { }
                case "linear" -> {
                    float factor = (float) requireNumber(scaling, "factor", where);
                    for (int i = 0; i < inv.length; i++) {
                        inv[i] /= factor;
                    }
                }
                case "llama3" -> llama3(inv, scaling, where);
                default -> throw new CrucibleException(where + ": rope_scaling type '" + type
                        + "' is not supported; supported: default, linear, llama3");
            }
        }
        return new RotaryEmbedding(inv, rotaryDim, headDim);
    }

    private static double requireNumber(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isNumber()) {
            throw new CrucibleException(where + ": rope_scaling." + field + " is missing or not a number");
        }
        return v.asDouble();
    }

    // Llama 3.1 frequency smoothing, as transformers' _compute_llama3_parameters.
    private static void llama3(float[] inv, JsonNode s, String where) {
        float factor = (float) requireNumber(s, "factor", where);
        float low = (float) requireNumber(s, "low_freq_factor", where);
        float high = (float) requireNumber(s, "high_freq_factor", where);
        float oldContext = (float) requireNumber(s, "original_max_position_embeddings", where);
        float lowWavelen = oldContext / low;
        float highWavelen = oldContext / high;
        for (int i = 0; i < inv.length; i++) {
            float wavelen = (float) (2 * Math.PI) / inv[i];
            float scaled = wavelen > lowWavelen ? inv[i] / factor : inv[i];
            boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
            if (medium) {
                float smooth = (oldContext / wavelen - low) / (high - low);
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            inv[i] = scaled;
        }
    }

    /** For positions [B][T]: cos and sin tables, each [B, 1, T, rotaryDim], and the rotate_half matrix. */
    public NDList tables(NDManager manager, int[][] positions) {
        int b = positions.length;
        int t = positions[0].length;
        int half = rotaryDim / 2;
        float[] cos = new float[b * t * rotaryDim];
        float[] sin = new float[cos.length];
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < t; j++) {
                int base = (r * t + j) * rotaryDim;
                float p = positions[r][j];
                for (int i = 0; i < half; i++) {
                    float angle = p * invFreq[i];
                    float c = (float) Math.cos(angle);
                    float s = (float) Math.sin(angle);
                    cos[base + i] = c;
                    cos[base + half + i] = c;
                    sin[base + i] = s;
                    sin[base + half + i] = s;
                }
            }
        }
        Shape shape = new Shape(b, 1, t, rotaryDim);
        // x @ rotation == rotate_half(x) = cat(-x2, x1): one exact matmul instead of split, neg and concat
        float[] rotation = new float[rotaryDim * rotaryDim];
        for (int i = 0; i < half; i++) {
            rotation[(i + half) * rotaryDim + i] = -1f;
            rotation[i * rotaryDim + i + half] = 1f;
        }
        return new NDList(manager.create(cos, shape), manager.create(sin, shape),
                manager.create(rotation, new Shape(rotaryDim, rotaryDim)));
    }

    /** Rotates x [B, heads, T, headDim] (queries and keys together) by the tables from {@link #tables}. */
    public NDArray apply(NDArray x, NDList tables) {
        NDArray rot = x;
        NDArray pass = null;
        if (rotaryDim < headDim) {
            NDList parts = x.split(new long[] {rotaryDim}, 3);
            rot = parts.get(0);
            pass = parts.get(1);
        }
        NDArray rotated = rot.matMul(tables.get(2));
        NDArray out = rot.mul(tables.get(0)).add(rotated.mul(tables.get(1)));
        return pass == null ? out : out.concat(pass, 3);
    }
}
