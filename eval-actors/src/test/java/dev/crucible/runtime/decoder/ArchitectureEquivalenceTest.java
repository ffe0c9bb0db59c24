package dev.crucible.runtime.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.GenerationRequest;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.runtime.LanguageModels;
import dev.crucible.runtime.Zoo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Equivalences that must hold between the families on small random models (transformers
 * reference logits for Mistral, Qwen2, Gemma 2, Phi-3 and Mixtral are still to be generated),
 * plus Llama and Gemma 2 against a plain double-precision reference forward.
 */
class ArchitectureEquivalenceTest {

    private static final int[] IDS = {1, 10, 22, 7, 33, 5, 41, 12, 9, 60, 3};
    private static final Path TOKENIZER = Zoo.model("base");

    private static float[] logits(ObjectNode config, InMemoryWeights weights) {
        try (LanguageModel model = LanguageModels.load(config, TOKENIZER, weights, "tiny")) {
            return model.lastLogits(IDS, null);
        }
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static float maxAbsDiff(float[] a, double[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = (float) Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void llamaMatchesThePlainReferenceForward() {
        ObjectNode config = TinyLlama.config("LlamaForCausalLM");
        InMemoryWeights w = TinyLlama.weights(1);
        DecoderConfig c = DecoderConfig.fromJson(config, DecoderFamily.LLAMA, "tiny");
        double[] expected = new ReferenceDecoder(w, c, 10000.0).lastLogits(IDS);
        assertThat(maxAbsDiff(logits(config, w), expected)).isLessThan(1e-4f);
    }

    @Test
    void qwen2WithZeroBiasesEqualsLlamaAndUsesNonZeroBiases() {
        InMemoryWeights llama = TinyLlama.weights(2);
        float[] expected = logits(TinyLlama.config("LlamaForCausalLM"), llama);
        InMemoryWeights qwen = llama.copy();
        for (int i = 0; i < TinyLlama.LAYERS; i++) {
            String p = "model.layers." + i + ".self_attn.";
            qwen.put(p + "q_proj.bias", new float[TinyLlama.HEADS * TinyLlama.HEAD_DIM], TinyLlama.HEADS * TinyLlama.HEAD_DIM);
            qwen.put(p + "k_proj.bias", new float[TinyLlama.KV_HEADS * TinyLlama.HEAD_DIM], TinyLlama.KV_HEADS * TinyLlama.HEAD_DIM);
            qwen.put(p + "v_proj.bias", new float[TinyLlama.KV_HEADS * TinyLlama.HEAD_DIM], TinyLlama.KV_HEADS * TinyLlama.HEAD_DIM);
        }
        ObjectNode config = TinyLlama.config("Qwen2ForCausalLM");
        assertThat(maxAbsDiff(logits(config, qwen), expected)).isLessThan(1e-5f);
        qwen.put("model.layers.0.self_attn.v_proj.bias", qwen.random(TinyLlama.KV_HEADS * TinyLlama.HEAD_DIM),
                TinyLlama.KV_HEADS * TinyLlama.HEAD_DIM);
        assertThat(maxAbsDiff(logits(config, qwen), expected)).isGreaterThan(1e-3f);
    }

    @Test
    void phi3FusedProjectionsEqualTheSplitLlamaWeights() {
        InMemoryWeights llama = TinyLlama.weights(3);
        float[] expected = logits(TinyLlama.config("LlamaForCausalLM"), llama);
        InMemoryWeights phi = llama.copy();
        for (int i = 0; i < TinyLlama.LAYERS; i++) {
            String p = "model.layers." + i + ".";
            phi.put(p + "self_attn.qkv_proj.weight", TinyLlama.concatRows(llama.get(p + "self_attn.q_proj.weight"),
                            llama.get(p + "self_attn.k_proj.weight"), llama.get(p + "self_attn.v_proj.weight")),
                    (TinyLlama.HEADS + 2 * TinyLlama.KV_HEADS) * TinyLlama.HEAD_DIM, TinyLlama.HIDDEN);
            phi.put(p + "mlp.gate_up_proj.weight", TinyLlama.concatRows(llama.get(p + "mlp.gate_proj.weight"),
                    llama.get(p + "mlp.up_proj.weight")), 2 * TinyLlama.INTER, TinyLlama.HIDDEN);
            for (String split : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "mlp.gate_proj",
                    "mlp.up_proj")) {
                phi.remove(p + split + ".weight");
            }
        }
        assertThat(maxAbsDiff(logits(TinyLlama.config("Phi3ForCausalLM"), phi), expected)).isLessThan(1e-5f);
    }

    @Test
    void mixtralWithIdenticalExpertsEqualsTheLlamaMlp() {
        InMemoryWeights llama = TinyLlama.weights(4);
        float[] expected = logits(TinyLlama.config("LlamaForCausalLM"), llama);
        InMemoryWeights moe = llama.copy();
        int experts = 4;
        for (int i = 0; i < TinyLlama.LAYERS; i++) {
            String p = "model.layers." + i + ".";
            moe.putRandom(p + "block_sparse_moe.gate.weight", experts, TinyLlama.HIDDEN);
            for (int e = 0; e < experts; e++) {
                String ep = p + "block_sparse_moe.experts." + e + ".";
                moe.put(ep + "w1.weight", llama.get(p + "mlp.gate_proj.weight"), TinyLlama.INTER, TinyLlama.HIDDEN);
                moe.put(ep + "w3.weight", llama.get(p + "mlp.up_proj.weight"), TinyLlama.INTER, TinyLlama.HIDDEN);
                moe.put(ep + "w2.weight", llama.get(p + "mlp.down_proj.weight"), TinyLlama.HIDDEN, TinyLlama.INTER);
            }
        }
        ObjectNode config = TinyLlama.config("MixtralForCausalLM").put("num_local_experts", experts)
                .put("num_experts_per_tok", 2);
        assertThat(maxAbsDiff(logits(config, moe), expected)).isLessThan(1e-5f);
        // a distinct expert must change the output, or routing would be untested
        moe.put("model.layers.0.block_sparse_moe.experts.0.w2.weight", moe.random(TinyLlama.HIDDEN, TinyLlama.INTER),
                TinyLlama.HIDDEN, TinyLlama.INTER);
        moe.put("model.layers.0.block_sparse_moe.experts.1.w2.weight", moe.random(TinyLlama.HIDDEN, TinyLlama.INTER),
                TinyLlama.HIDDEN, TinyLlama.INTER);
        assertThat(maxAbsDiff(logits(config, moe), expected)).isGreaterThan(1e-4f);
    }

    @Test
    void mistralWithAWindowCoveringTheSequenceEqualsLlama() {
        InMemoryWeights w = TinyLlama.weights(5);
        float[] expected = logits(TinyLlama.config("LlamaForCausalLM"), w);
        ObjectNode config = TinyLlama.config("MistralForCausalLM").put("sliding_window", IDS.length);
        assertThat(maxAbsDiff(logits(config, w), expected)).isLessThan(1e-6f);
        config.put("sliding_window", 3);
        assertThat(maxAbsDiff(logits(config, w), expected)).isGreaterThan(1e-4f);
    }

    @Test
    void gemma2MatchesThePlainReferenceForward() {
        ObjectNode config = TinyLlama.config("Gemma2ForCausalLM");
        config.remove("hidden_act");
        config.put("hidden_activation", "gelu_pytorch_tanh").put("tie_word_embeddings", true)
                .put("query_pre_attn_scalar", 16).put("attn_logit_softcapping", 5.0)
                .put("final_logit_softcapping", 3.0).put("sliding_window", 4).put("rms_norm_eps", 1e-6);
        InMemoryWeights w = TinyLlama.weights(6);
        w.remove("lm_head.weight");
        for (int i = 0; i < TinyLlama.LAYERS; i++) {
            String p = "model.layers." + i + ".";
            w.put(p + "pre_feedforward_layernorm.weight", w.random(0.0, 0.1, TinyLlama.HIDDEN), TinyLlama.HIDDEN);
            w.put(p + "post_feedforward_layernorm.weight", w.random(0.0, 0.1, TinyLlama.HIDDEN), TinyLlama.HIDDEN);
        }
        DecoderConfig c = DecoderConfig.fromJson(config, DecoderFamily.GEMMA2, "tiny");
        assertThat(c.slidingWindows()).containsExactly(4, 0);
        double[] expected = new ReferenceDecoder(w, c, 10000.0).lastLogits(IDS);
        assertThat(maxAbsDiff(logits(config, w), expected)).isLessThan(1e-4f);
    }

    @Test
    void slidingWindowBatchesWithLeftPaddingEqualOneByOne() {
        ObjectNode config = TinyLlama.config("MistralForCausalLM").put("sliding_window", 3);
        try (LanguageModel model = LanguageModels.load(config, TOKENIZER, TinyLlama.weights(7), "tiny")) {
            List<GenerationRequest> requests = new ArrayList<>();
            for (String prompt : List.of("ab", "abcdefgh", "rev hello =", "add 1 2 =")) {
                requests.add(GenerationRequest.greedy(prompt, 6));
            }
            var batched = model.generate(requests);
            for (int i = 0; i < requests.size(); i++) {
                assertThat(batched.get(i)).isEqualTo(model.generate(List.of(requests.get(i))).getFirst());
            }
        }
    }

    @Test
    void unsupportedArchitectureIsNamedWithTheSupportedOnes() {
        ObjectNode config = TinyLlama.config("GPT2LMHeadModel");
        assertThatThrownBy(() -> logits(config, TinyLlama.weights(8)))
                .isInstanceOf(CrucibleException.class)
                .hasMessageContaining("unsupported architecture GPT2LMHeadModel; supported: LlamaForCausalLM");
    }

    @Test
    void checkpointNotMatchingItsConfigNamesTheTensor() {
        ObjectNode config = TinyLlama.config("LlamaForCausalLM").put("intermediate_size", 50);
        assertThatThrownBy(() -> logits(config, TinyLlama.weights(9)))
                .isInstanceOf(CrucibleException.class)
                .hasMessageContaining("model.layers.0.mlp.gate_proj.weight")
                .hasMessageContaining("[48, 32]");
    }
}
