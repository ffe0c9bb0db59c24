package dev.crucible.runtime.decoder;

/**
 * An obviously-correct, loop-by-loop double-precision forward pass of a Llama-style or Gemma 2
 * decoder for one unpadded sequence, written from the transformers modelling code, to check the
 * NDArray implementation against.
 */
final class ReferenceDecoder {

    private final InMemoryWeights w;
    private final DecoderConfig c;
    private final double ropeTheta;

    ReferenceDecoder(InMemoryWeights w, DecoderConfig c, double ropeTheta) {
        this.w = w;
        this.c = c;
        this.ropeTheta = ropeTheta;
    }

    double[] lastLogits(int[] ids) {
        int t = ids.length;
        int h = c.hiddenSize();
        double[][] x = new double[t][h];
        float[] emb = w.get("model.embed_tokens.weight");
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < h; j++) {
                x[i][j] = emb[ids[i] * h + j] * c.embedScale();
            }
        }
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            double[][] a = attention(norm(x, p + "input_layernorm.weight"), p, c.slidingWindow(l));
            if (c.sandwichNorms()) {
                a = norm(a, p + "post_attention_layernorm.weight");
            }
            x = add(x, a);
            String pre = c.sandwichNorms() ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight";
            double[][] m = mlp(norm(x, p + pre), p);
            if (c.sandwichNorms()) {
                m = norm(m, p + "post_feedforward_layernorm.weight");
            }
            x = add(x, m);
        }
        double[] last = norm(x, "model.norm.weight")[t - 1];
        float[] head = w.get("lm_head.weight") != null ? w.get("lm_head.weight") : emb;
        double[] logits = new double[c.vocabSize()];
        for (int v = 0; v < logits.length; v++) {
            double s = 0;
            for (int j = 0; j < h; j++) {
                s += head[v * h + j] * last[j];
            }
            logits[v] = c.finalSoftcap() > 0 ? Math.tanh(s / c.finalSoftcap()) * c.finalSoftcap() : s;
        }
        return logits;
    }

    private double[][] add(double[][] a, double[][] b) {
        double[][] out = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                out[i][j] = a[i][j] + b[i][j];
            }
        }
        return out;
    }

    private double[][] norm(double[][] x, String name) {
        float[] g = w.get(name);
        double[][] out = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) {
            double ms = 0;
            for (double v : x[i]) {
                ms += v * v;
            }
            double r = 1 / Math.sqrt(ms / x[i].length + c.rmsNormEps());
            for (int j = 0; j < x[i].length; j++) {
                out[i][j] = x[i][j] * r * (c.normAddsOne() ? 1 + g[j] : g[j]);
            }
        }
        return out;
    }

    private double[][] linear(double[][] x, String name, int outDim) {
        float[] m = w.get(name);
        int in = x[0].length;
        double[][] out = new double[x.length][outDim];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < outDim; o++) {
                double s = 0;
                for (int k = 0; k < in; k++) {
                    s += m[o * in + k] * x[i][k];
                }
                out[i][o] = s;
            }
        }
        return out;
    }

    private void rope(double[][] v, int heads) {
        int d = c.headDim();
        for (int pos = 0; pos < v.length; pos++) {
            for (int hd = 0; hd < heads; hd++) {
                double[] r = new double[d];
                for (int i = 0; i < d; i++) {
                    int f = i % (d / 2);
                    double angle = pos / Math.pow(ropeTheta, 2.0 * f / d);
                    double rotated = i < d / 2 ? -v[pos][hd * d + i + d / 2] : v[pos][hd * d + i - d / 2];
                    r[i] = v[pos][hd * d + i] * Math.cos(angle) + rotated * Math.sin(angle);
                }
                System.arraycopy(r, 0, v[pos], hd * d, d);
            }
        }
    }

    private double[][] attention(double[][] x, String p, int window) {
        int t = x.length;
        int d = c.headDim();
        int nh = c.numHeads();
        int nkv = c.numKvHeads();
        double[][] q = linear(x, p + "self_attn.q_proj.weight", nh * d);
        double[][] k = linear(x, p + "self_attn.k_proj.weight", nkv * d);
        double[][] v = linear(x, p + "self_attn.v_proj.weight", nkv * d);
        rope(q, nh);
        rope(k, nkv);
        double[][] o = new double[t][nh * d];
        for (int hd = 0; hd < nh; hd++) {
            int kv = hd / (nh / nkv);
            for (int i = 0; i < t; i++) {
                double[] s = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    if (window > 0 && i - j >= window) {
                        s[j] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double dot = 0;
                    for (int e = 0; e < d; e++) {
                        dot += q[i][hd * d + e] * k[j][kv * d + e];
                    }
                    dot *= c.attentionScale();
                    if (c.attentionSoftcap() > 0) {
                        dot = Math.tanh(dot / c.attentionSoftcap()) * c.attentionSoftcap();
                    }
                    s[j] = dot;
                    max = Math.max(max, dot);
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int j = 0; j <= i; j++) {
                    for (int e = 0; e < d; e++) {
                        o[i][hd * d + e] += s[j] / sum * v[j][kv * d + e];
                    }
                }
            }
        }
        return linear(o, p + "self_attn.o_proj.weight", c.hiddenSize());
    }

    private double[][] mlp(double[][] x, String p) {
        int inter = c.intermediateSize();
        double[][] g = linear(x, p + "mlp.gate_proj.weight", inter);
        double[][] u = linear(x, p + "mlp.up_proj.weight", inter);
        for (int i = 0; i < g.length; i++) {
            for (int j = 0; j < inter; j++) {
                double a = g[i][j];
                double act = c.activation() == Activation.SILU ? a / (1 + Math.exp(-a))
                        : 0.5 * a * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a + 0.044715 * a * a * a)));
                g[i][j] = act * u[i][j];
            }
        }
        return linear(g, p + "mlp.down_proj.weight", c.hiddenSize());
    }
}
