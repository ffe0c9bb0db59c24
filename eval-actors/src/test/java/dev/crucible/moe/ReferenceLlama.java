package dev.crucible.moe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.safetensors.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A plain double-precision Llama forward pass (transformers' {@code modeling_llama.py}: RMSNorm, rotate-half
 * RoPE, grouped-query causal attention, SiLU-gated MLP), written independently of the runtime, that
 * returns what {@code output_hidden_states=True} returns: hidden_states[0..layers-1] are the residual
 * stream entering each layer. Also the post-attention-norm states. For tiny test models only.
 */
final class ReferenceLlama implements AutoCloseable {

    private final int hidden;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int inter;
    private final double eps;
    private final double theta;
    private final Checkpoint weights;

    /** Per layer [tokens][hidden]: the block inputs and the MLP inputs; plus the last position's logits. */
    record Pass(double[][][] blockInputs, double[][][] mlpInputs, double[] lastLogits) {
    }

    ReferenceLlama(Path dir) {
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        hidden = c.get("hidden_size").asInt();
        layers = c.get("num_hidden_layers").asInt();
        heads = c.get("num_attention_heads").asInt();
        kvHeads = c.get("num_key_value_heads").asInt();
        headDim = c.has("head_dim") ? c.get("head_dim").asInt() : hidden / heads;
        inter = c.get("intermediate_size").asInt();
        eps = c.get("rms_norm_eps").asDouble();
        theta = c.path("rope_theta").asDouble(10000);
        weights = Checkpoint.open(dir);
    }

    @Override
    public void close() {
        weights.close();
    }

    int layers() {
        return layers;
    }

    int hidden() {
        return hidden;
    }

    Pass run(int[] ids) {
        int t = ids.length;
        double[][] x = new double[t][];
        float[] embed = weights.readFloats("model.embed_tokens.weight");
        for (int i = 0; i < t; i++) {
            x[i] = new double[hidden];
            for (int j = 0; j < hidden; j++) {
                x[i][j] = embed[ids[i] * hidden + j];
            }
        }
        double[][][] blockIn = new double[layers][][];
        double[][][] mlpIn = new double[layers][][];
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            blockIn[l] = copy(x);
            double[][] h = norm(x, weights.readFloats(p + "input_layernorm.weight"));
            double[][] q = linear(h, weights.readFloats(p + "self_attn.q_proj.weight"), heads * headDim);
            double[][] k = linear(h, weights.readFloats(p + "self_attn.k_proj.weight"), kvHeads * headDim);
            double[][] v = linear(h, weights.readFloats(p + "self_attn.v_proj.weight"), kvHeads * headDim);
            rope(q, heads);
            rope(k, kvHeads);
            double[][] o = new double[t][heads * headDim];
            int group = heads / kvHeads;
            for (int hd = 0; hd < heads; hd++) {
                int kv = hd / group;
                for (int i = 0; i < t; i++) {
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int d = 0; d < headDim; d++) {
                            dot += q[i][hd * headDim + d] * k[j][kv * headDim + d];
                        }
                        s[j] = dot / Math.sqrt(headDim);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = 0; j <= i; j++) {
                        for (int d = 0; d < headDim; d++) {
                            o[i][hd * headDim + d] += s[j] / sum * v[j][kv * headDim + d];
                        }
                    }
                }
            }
            double[][] attn = linear(o, weights.readFloats(p + "self_attn.o_proj.weight"), hidden);
            add(x, attn);
            h = norm(x, weights.readFloats(p + "post_attention_layernorm.weight"));
            mlpIn[l] = copy(h);
            double[][] gate = linear(h, weights.readFloats(p + "mlp.gate_proj.weight"), inter);
            double[][] up = linear(h, weights.readFloats(p + "mlp.up_proj.weight"), inter);
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < inter; j++) {
                    double g = gate[i][j];
                    gate[i][j] = g / (1 + Math.exp(-g)) * up[i][j];
                }
            }
            add(x, linear(gate, weights.readFloats(p + "mlp.down_proj.weight"), hidden));
        }
        double[][] last = norm(new double[][] {x[t - 1]}, weights.readFloats("model.norm.weight"));
        float[] head = weights.readFloats("lm_head.weight");
        double[] logits = linear(last, head, head.length / hidden)[0];
        return new Pass(blockIn, mlpIn, logits);
    }

    private void rope(double[][] m, int nHeads) {
        int half = headDim / 2;
        for (int pos = 0; pos < m.length; pos++) {
            for (int hd = 0; hd < nHeads; hd++) {
                int base = hd * headDim;
                double[] rotated = new double[headDim];
                for (int d = 0; d < headDim; d++) {
                    double freq = 1.0 / Math.pow(theta, (2.0 * (d % half)) / headDim);
                    double angle = pos * freq;
                    double other = d < half ? -m[pos][base + d + half] : m[pos][base + d - half];
                    rotated[d] = m[pos][base + d] * Math.cos(angle) + other * Math.sin(angle);
                }
                System.arraycopy(rotated, 0, m[pos], base, headDim);
            }
        }
    }

    private double[][] norm(double[][] x, float[] w) {
        double[][] out = new double[x.length][hidden];
        for (int i = 0; i < x.length; i++) {
            double ms = 0;
            for (double v : x[i]) {
                ms += v * v;
            }
            double r = 1 / Math.sqrt(ms / hidden + eps);
            for (int j = 0; j < hidden; j++) {
                out[i][j] = x[i][j] * r * w[j];
            }
        }
        return out;
    }

    private static double[][] linear(double[][] x, float[] w, int rows) {
        int cols = x[0].length;
        double[][] out = new double[x.length][rows];
        for (int i = 0; i < x.length; i++) {
            for (int r = 0; r < rows; r++) {
                double s = 0;
                for (int c = 0; c < cols; c++) {
                    s += w[r * cols + c] * x[i][c];
                }
                out[i][r] = s;
            }
        }
        return out;
    }

    private static void add(double[][] x, double[][] y) {
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[i].length; j++) {
                x[i][j] += y[i][j];
            }
        }
    }

    private static double[][] copy(double[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i].clone();
        }
        return out;
    }
}
