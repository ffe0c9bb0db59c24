package dev.crucible.runtime.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.WeightLoader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The decoder-only transformer forward pass on NDArrays: token embedding, blocks of
 * (norm, rotary GQA attention with KV cache, norm, gated MLP or mixture of experts), final norm
 * and LM head. Every intermediate lands in the manager of the input activations, so a caller that
 * runs a step inside a sub-manager frees all of it by closing that manager.
 */
public final class CausalDecoder {

    private final DecoderConfig config;
    private final RotaryEmbedding rope;
    private final NDArray embedding;
    private final List<DecoderLayer> layers;
    private final NDArray finalNorm;
    private final NDArray lmHead;

    private CausalDecoder(DecoderConfig config, RotaryEmbedding rope, NDArray embedding, List<DecoderLayer> layers,
                          NDArray finalNorm, NDArray lmHead) {
        this.config = config;
        this.rope = rope;
        this.embedding = embedding;
        this.layers = List.copyOf(layers);
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
    }

    /**
     * Loads the weights under a module prefix ({@code model.}, {@code language_model.model.} or
     * {@code model.language_model.}) with the LM head under lmHeadName.
     */
    public static CausalDecoder load(DecoderConfig c, RotaryEmbedding rope, WeightLoader w, String prefix,
                                     String lmHeadName) {
        long h = c.hiddenSize();
        long d = c.headDim();
        long qRows = (long) c.numHeads() * d;
        long kvRows = (long) c.numKvHeads() * d;
        long inter = c.intermediateSize();
        NDArray embed = w.load(prefix + "embed_tokens.weight", c.vocabSize(), h);
        List<DecoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            String p = prefix + "layers." + i + ".";
            NDArray attnNorm = norm(w, c, p + "input_layernorm.weight");
            NDArray qkv;
            NDArray qkvBias;
            if (c.family() == DecoderFamily.PHI3) {
                qkv = w.load(p + "self_attn.qkv_proj.weight", qRows + 2 * kvRows, h);
                qkvBias = w.loadOptional(p + "self_attn.qkv_proj.bias", qRows + 2 * kvRows);
            } else {
                String[] names = {p + "self_attn.q_proj", p + "self_attn.k_proj", p + "self_attn.v_proj"};
                long[] rows = {qRows, kvRows, kvRows};
                qkv = w.loadRows(suffix(names, ".weight"), rows, h);
                qkvBias = w.loadConcatenatedOptional(suffix(names, ".bias"), rows);
            }
            NDArray out = w.load(p + "self_attn.o_proj.weight", h, qRows);
            NDArray outBias = w.loadOptional(p + "self_attn.o_proj.bias", h);
            NDArray attnPost = null;
            NDArray mlpNorm;
            NDArray mlpPost = null;
            if (c.sandwichNorms()) {
                attnPost = norm(w, c, p + "post_attention_layernorm.weight");
                mlpNorm = norm(w, c, p + "pre_feedforward_layernorm.weight");
                mlpPost = norm(w, c, p + "post_feedforward_layernorm.weight");
            } else {
                mlpNorm = norm(w, c, p + "post_attention_layernorm.weight");
            }
            GatedMlp mlp = null;
            NDArray router = null;
            List<GatedMlp> experts = new ArrayList<>();
            switch (c.family()) {
                case PHI3 -> mlp = new GatedMlp(w.load(p + "mlp.gate_up_proj.weight", 2 * inter, h), null,
                        w.load(p + "mlp.down_proj.weight", h, inter), null);
                case MIXTRAL -> {
                    String moe = p + "block_sparse_moe.";
                    router = w.load(moe + "gate.weight", c.numExperts(), h);
                    for (int e = 0; e < c.numExperts(); e++) {
                        String ep = moe + "experts." + e + ".";
                        experts.add(new GatedMlp(
                                w.loadRows(new String[] {ep + "w1.weight", ep + "w3.weight"}, new long[] {inter, inter}, h),
                                null, w.load(ep + "w2.weight", h, inter), null));
                    }
                }
                default -> {
                    String[] names = {p + "mlp.gate_proj", p + "mlp.up_proj"};
                    mlp = new GatedMlp(w.loadRows(suffix(names, ".weight"), new long[] {inter, inter}, h),
                            w.loadConcatenatedOptional(suffix(names, ".bias"), new long[] {inter, inter}),
                            w.load(p + "mlp.down_proj.weight", h, inter),
                            w.loadOptional(p + "mlp.down_proj.bias", h));
                }
            }
            layers.add(new DecoderLayer(attnNorm, qkv, qkvBias, out, outBias, attnPost, mlpNorm, mlpPost, mlp,
                    router, experts));
        }
        NDArray finalNorm = norm(w, c, prefix + "norm.weight");
        NDArray head;
        if (w.has(lmHeadName)) {
            head = w.load(lmHeadName, c.vocabSize(), h);
        } else if (c.tieEmbeddings()) {
            head = embed;
        } else {
            throw new CrucibleException(w.origin() + ": tensor '" + lmHeadName
                    + "' is missing and tie_word_embeddings is false in config.json");
        }
        return new CausalDecoder(c, rope, embed, layers, finalNorm, head);
    }

    private static String[] suffix(String[] names, String suffix) {
        String[] out = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            out[i] = names[i] + suffix;
        }
        return out;
    }

    private static NDArray norm(WeightLoader w, DecoderConfig c, String name) {
        float[] v = w.floats(name, c.hiddenSize());
        if (c.normAddsOne()) {
            for (int i = 0; i < v.length; i++) {
                v[i] += 1f;
            }
        }
        return w.toNative(v, new Shape(v.length));
    }

    /** The configuration this decoder was built from. */
    public DecoderConfig config() {
        return config;
    }

    /** Token embeddings [B, T, hidden] of ids [B, T] (int64), in the ids' manager. */
    public NDArray embed(NDArray ids) {
        NDArray flat = ids.reshape(-1);
        NDArray e = flat.getNDArrayInternal().embedding(flat, embedding, SparseFormat.DENSE).singletonOrThrow();
        Shape s = ids.getShape();
        e = e.reshape(s.get(0), s.get(1), config.hiddenSize());
        return config.embedScale() == 1f ? e : e.mul(config.embedScale());
    }

    /**
     * Runs the blocks over new input embeddings [B, T, hidden] whose slots are real where
     * valid[b][t]; appends to cache and returns the final-normalised hidden states [B, T, hidden].
     */
    public NDArray forward(NDArray inputs, boolean[][] valid, KvCache cache) {
        return forward(inputs, valid, cache, null);
    }

    /**
     * As {@link #forward(NDArray, boolean[][], KvCache)}, showing each block's input and its MLP's (or
     * router's) input to {@code tap} (null: none) as they are computed.
     */
    public NDArray forward(NDArray inputs, boolean[][] valid, KvCache cache, LayerTap tap) {
        NDManager step = inputs.getManager();
        StepLayout layout = cache.advance(valid);
        NDList tables = rope.tables(step, layout.positions());
        Map<Integer, NDArray> masks = new HashMap<>();
        NDArray x = inputs;
        for (int i = 0; i < layers.size(); i++) {
            NDArray mask = masks.computeIfAbsent(config.slidingWindow(i), win -> cache.mask(step, layout, win));
            // A block's intermediates (attention scores are [B, heads, T, S]) are freed when the block ends:
            // kept until the step ends, a 1024-token prompt held every block's, 11 GB for a 1 B model.
            try (NDManager scope = step.newSubManager()) {
                x.tempAttach(scope);
                NDArray out = block(i, x, cache, tables, mask, tap);
                out.attach(step);
                cache.hold(i, step);
                x = out;
            }
        }
        cache.commit();
        return RmsNorm.apply(x, finalNorm, config.rmsNormEps());
    }

    /** One block over x [B, T, hidden]; what it computes lives in x's manager. */
    private NDArray block(int i, NDArray x, KvCache cache, NDList tables, NDArray mask, LayerTap tap) {
        DecoderLayer layer = layers.get(i);
        if (tap != null) {
            tap.blockInput(i, x);
        }
        NDArray h = RmsNorm.apply(x, layer.attnNorm(), config.rmsNormEps());
        h = attention(h, layer, i, cache, tables, mask);
        if (layer.attnPostNorm() != null) {
            h = RmsNorm.apply(h, layer.attnPostNorm(), config.rmsNormEps());
        }
        NDArray mid = x.add(h);
        h = RmsNorm.apply(mid, layer.mlpNorm(), config.rmsNormEps());
        if (tap != null) {
            tap.mlpInput(i, h);
        }
        h = layer.mlp() != null ? layer.mlp().apply(h, config.activation()) : experts(h, layer);
        if (layer.mlpPostNorm() != null) {
            h = RmsNorm.apply(h, layer.mlpPostNorm(), config.rmsNormEps());
        }
        return mid.add(h);
    }

    /** Output logits [..., vocab] of final hidden states, softcapped where the config says. */
    public NDArray logits(NDArray hidden) {
        NDArray logits = Linear.apply(hidden, lmHead, null);
        float cap = config.finalSoftcap();
        return cap > 0 ? logits.div(cap).tanh().mul(cap) : logits;
    }

    private NDArray attention(NDArray x, DecoderLayer layer, int index, KvCache cache, NDList tables, NDArray mask) {
        Shape s = x.getShape();
        long b = s.get(0);
        long t = s.get(1);
        int nh = config.numHeads();
        int nkv = config.numKvHeads();
        int d = config.headDim();
        NDArray qkv = Linear.apply(x, layer.qkv(), layer.qkvBias());
        NDList parts = qkv.split(new long[] {(long) (nh + nkv) * d}, 2);
        // queries and keys are rotated in one pass, then split by head
        NDArray qk = rope.apply(parts.get(0).reshape(b, t, nh + nkv, d).transpose(0, 2, 1, 3), tables);
        NDList heads = qk.split(new long[] {nh}, 1);
        NDArray q = heads.get(0);
        NDArray k = heads.get(1);
        NDArray v = parts.get(1).reshape(b, t, nkv, d).transpose(0, 2, 1, 3);
        NDList full = cache.extend(index, k, v);
        k = full.get(0);
        v = full.get(1);
        int g = config.groupSize();
        if (g > 1) {
            k = k.repeat(1, g);
            v = v.repeat(1, g);
        }
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(config.attentionScale());
        float cap = config.attentionSoftcap();
        if (cap > 0) {
            scores = scores.div(cap).tanh().mul(cap);
        }
        NDArray probs = scores.add(mask).softmax(-1);
        NDArray o = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, (long) nh * d);
        return Linear.apply(o, layer.out(), layer.outBias());
    }

    // Mixtral routing: softmax over experts, keep the top k, renormalise; only experts some token uses run.
    private NDArray experts(NDArray x, DecoderLayer layer) {
        Shape s = x.getShape();
        int e = config.numExperts();
        NDArray flat = x.reshape(-1, config.hiddenSize());
        float[] logits = Linear.apply(flat, layer.router(), null).toFloatArray();
        int n = logits.length / e;
        float[][] weights = new float[e][n];
        boolean[] used = new boolean[e];
        for (int row = 0; row < n; row++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < e; j++) {
                max = Math.max(max, logits[row * e + j]);
            }
            double[] p = new double[e];
            double sum = 0;
            for (int j = 0; j < e; j++) {
                p[j] = Math.exp(logits[row * e + j] - max);
                sum += p[j];
            }
            boolean[] taken = new boolean[e];
            int[] chosen = new int[config.expertsPerToken()];
            double chosenSum = 0;
            for (int k = 0; k < chosen.length; k++) {
                int best = -1;
                for (int j = 0; j < e; j++) {
                    if (!taken[j] && (best < 0 || p[j] > p[best])) {
                        best = j;
                    }
                }
                taken[best] = true;
                chosen[k] = best;
                chosenSum += p[best] / sum;
            }
            for (int j : chosen) {
                weights[j][row] = (float) (p[j] / sum / chosenSum);
                used[j] = true;
            }
        }
        NDArray out = null;
        for (int j = 0; j < e; j++) {
            if (!used[j]) {
                continue;
            }
            NDArray w = flat.getManager().create(weights[j], new Shape(n, 1));
            NDArray y = layer.experts().get(j).apply(flat, config.activation()).mul(w);
            out = out == null ? y : out.add(y);
        }
        return out.reshape(s);
    }
}
