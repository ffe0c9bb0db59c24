package dev.crucible.runtime.decoder;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.error.CrucibleException;

/**
 * The shape and numerics of a decoder-only transformer, read from a transformers config.
 * Family differences are expressed as data (norm style, softcaps, windows, experts) so one
 * forward pass serves every supported architecture.
 *
 * @param slidingWindows per layer: the attention window in tokens, 0 for full causal attention
 * @param embedScale     multiplier on token embeddings (Gemma: sqrt(hidden))
 * @param normAddsOne    RMSNorm scales by (1 + w) instead of w (Gemma)
 * @param sandwichNorms  extra norms after attention and after the MLP (Gemma 2)
 * @param attentionSoftcap   tanh softcap on attention scores, 0 for none
 * @param finalSoftcap   tanh softcap on output logits, 0 for none
 * @param attentionScale multiplier on q.k
 * @param numExperts     mixture-of-experts size, 0 for a dense MLP
 * @param expertsPerToken experts each token is routed to
 */
public record DecoderConfig(DecoderFamily family, int vocabSize, int hiddenSize, int numLayers, int numHeads,
                            int numKvHeads, int headDim, int intermediateSize, float rmsNormEps,
                            Activation activation, int maxPositions, boolean tieEmbeddings,
                            int[] slidingWindows, float embedScale, boolean normAddsOne, boolean sandwichNorms,
                            float attentionSoftcap, float finalSoftcap, float attentionScale,
                            int numExperts, int expertsPerToken) {

    public DecoderConfig {
        slidingWindows = slidingWindows.clone();
    }

    @Override
    public int[] slidingWindows() {
        return slidingWindows.clone();
    }

    /** Window of one layer, 0 for full attention. */
    public int slidingWindow(int layer) {
        return slidingWindows[layer];
    }

    /** Query heads that share one key/value head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    /** Parses a (text) config of the given family; {@code where} names the file for messages. */
    public static DecoderConfig fromJson(JsonNode c, DecoderFamily family, String where) {
        // LLaVA's text_config omits fields equal to LlamaConfig's defaults; other families list them all
        boolean llama = family == DecoderFamily.LLAMA;
        int vocab = llama ? optInt(c, "vocab_size", 32000) : requireInt(c, "vocab_size", where);
        int hidden = llama ? optInt(c, "hidden_size", 4096) : requireInt(c, "hidden_size", where);
        int layers = llama ? optInt(c, "num_hidden_layers", 32) : requireInt(c, "num_hidden_layers", where);
        int heads = llama ? optInt(c, "num_attention_heads", 32) : requireInt(c, "num_attention_heads", where);
        int kvHeads = optInt(c, "num_key_value_heads", heads);
        int headDim = optInt(c, "head_dim", hidden / heads);
        int intermediate = llama ? optInt(c, "intermediate_size", 11008) : requireInt(c, "intermediate_size", where);
        if (heads % kvHeads != 0) {
            throw new CrucibleException(where + ": num_attention_heads " + heads
                    + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        boolean gemma = family == DecoderFamily.GEMMA2;
        float eps = (float) c.path("rms_norm_eps").asDouble(1e-6);
        String actName = c.hasNonNull("hidden_activation") ? c.get("hidden_activation").asText()
                : c.path("hidden_act").asText("silu");
        Activation act = Activation.parse(actName, where + ": hidden_act");
        int maxPos = optInt(c, "max_position_embeddings", 2048);
        boolean tie = c.has("tie_word_embeddings") ? c.get("tie_word_embeddings").asBoolean() : gemma;
        int[] windows = windows(c, family, layers);
        float embedScale = gemma ? (float) Math.sqrt(hidden) : 1f;
        float attnCap = gemma ? (float) c.path("attn_logit_softcapping").asDouble(0) : 0f;
        float finalCap = gemma ? (float) c.path("final_logit_softcapping").asDouble(0) : 0f;
        float scale = gemma && c.hasNonNull("query_pre_attn_scalar")
                ? (float) Math.pow(c.get("query_pre_attn_scalar").asDouble(), -0.5)
                : (float) Math.pow(headDim, -0.5);
        int experts = family == DecoderFamily.MIXTRAL ? requireInt(c, "num_local_experts", where) : 0;
        int perToken = family == DecoderFamily.MIXTRAL ? optInt(c, "num_experts_per_tok", 2) : 0;
        return new DecoderConfig(family, vocab, hidden, layers, heads, kvHeads, headDim, intermediate, eps, act,
                maxPos, tie, windows, embedScale, gemma, gemma, attnCap, finalCap, scale, experts, perToken);
    }

    private static int[] windows(JsonNode c, DecoderFamily family, int layers) {
        int[] w = new int[layers];
        int window = optInt(c, "sliding_window", 0);
        JsonNode types = c.get("layer_types");
        if (types != null && types.isArray() && types.size() == layers) {
            for (int i = 0; i < layers; i++) {
                w[i] = "sliding_attention".equals(types.get(i).asText()) ? window : 0;
            }
            return w;
        }
        switch (family) {
            case MISTRAL, MIXTRAL, PHI3 -> java.util.Arrays.fill(w, window);
            case QWEN2 -> {
                if (c.path("use_sliding_window").asBoolean(false)) {
                    int from = optInt(c, "max_window_layers", layers);
                    for (int i = from; i < layers; i++) {
                        w[i] = window;
                    }
                }
            }
            case GEMMA2 -> {
                int gw = optInt(c, "sliding_window", 4096);
                for (int i = 0; i < layers; i += 2) {
                    w[i] = gw;
                }
            }
            case LLAMA -> { }
        }
        return w;
    }

    private static int requireInt(JsonNode c, String field, String where) {
        JsonNode v = c.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new CrucibleException(where + ": field '" + field + "' is missing or not an integer");
        }
        return v.asInt();
    }

    private static int optInt(JsonNode c, String field, int fallback) {
        JsonNode v = c.get(field);
        return v == null || v.isNull() ? fallback : v.asInt();
    }
}
