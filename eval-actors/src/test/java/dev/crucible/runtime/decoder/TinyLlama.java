package dev.crucible.runtime.decoder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Shapes and random weights of a tiny Llama that the zoo tokenizer (vocab 64) can drive. */
final class TinyLlama {

    static final int VOCAB = 64;
    static final int HIDDEN = 32;
    static final int LAYERS = 2;
    static final int HEADS = 4;
    static final int KV_HEADS = 2;
    static final int HEAD_DIM = 8;
    static final int INTER = 48;

    private TinyLlama() {
    }

    static ObjectNode config(String architecture) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add(architecture);
        c.put("vocab_size", VOCAB).put("hidden_size", HIDDEN).put("num_hidden_layers", LAYERS)
                .put("num_attention_heads", HEADS).put("num_key_value_heads", KV_HEADS).put("head_dim", HEAD_DIM)
                .put("intermediate_size", INTER).put("rms_norm_eps", 1e-5).put("rope_theta", 10000.0)
                .put("max_position_embeddings", 128).put("tie_word_embeddings", false).put("hidden_act", "silu")
                .put("bos_token_id", 1).put("eos_token_id", 2).put("pad_token_id", 0);
        return c;
    }

    static InMemoryWeights weights(long seed) {
        InMemoryWeights w = new InMemoryWeights(seed);
        w.putRandom("model.embed_tokens.weight", VOCAB, HIDDEN);
        for (int i = 0; i < LAYERS; i++) {
            String p = "model.layers." + i + ".";
            w.put(p + "input_layernorm.weight", w.random(1.0, 0.1, HIDDEN), HIDDEN);
            w.put(p + "post_attention_layernorm.weight", w.random(1.0, 0.1, HIDDEN), HIDDEN);
            w.putRandom(p + "self_attn.q_proj.weight", HEADS * HEAD_DIM, HIDDEN);
            w.putRandom(p + "self_attn.k_proj.weight", KV_HEADS * HEAD_DIM, HIDDEN);
            w.putRandom(p + "self_attn.v_proj.weight", KV_HEADS * HEAD_DIM, HIDDEN);
            w.putRandom(p + "self_attn.o_proj.weight", HIDDEN, HEADS * HEAD_DIM);
            w.putRandom(p + "mlp.gate_proj.weight", INTER, HIDDEN);
            w.putRandom(p + "mlp.up_proj.weight", INTER, HIDDEN);
            w.putRandom(p + "mlp.down_proj.weight", HIDDEN, INTER);
        }
        w.put("model.norm.weight", w.random(1.0, 0.1, HIDDEN), HIDDEN);
        w.putRandom("lm_head.weight", VOCAB, HIDDEN);
        return w;
    }

    static float[] concatRows(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
