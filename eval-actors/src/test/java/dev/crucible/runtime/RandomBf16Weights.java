package dev.crucible.runtime;

import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import dev.crucible.tensor.WeightSource;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Llama-shaped BF16 checkpoint of random weights, generated on read (deterministic per tensor
 * name) so a billion-parameter model can be benchmarked without a download or a disk copy.
 */
final class RandomBf16Weights implements WeightSource {

    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    RandomBf16Weights(int vocab, int hidden, int layers, int heads, int kvHeads, int headDim, int inter) {
        shapes.put("model.embed_tokens.weight", new long[] {vocab, hidden});
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            shapes.put(p + "input_layernorm.weight", new long[] {hidden});
            shapes.put(p + "post_attention_layernorm.weight", new long[] {hidden});
            shapes.put(p + "self_attn.q_proj.weight", new long[] {(long) heads * headDim, hidden});
            shapes.put(p + "self_attn.k_proj.weight", new long[] {(long) kvHeads * headDim, hidden});
            shapes.put(p + "self_attn.v_proj.weight", new long[] {(long) kvHeads * headDim, hidden});
            shapes.put(p + "self_attn.o_proj.weight", new long[] {hidden, (long) heads * headDim});
            shapes.put(p + "mlp.gate_proj.weight", new long[] {inter, hidden});
            shapes.put(p + "mlp.up_proj.weight", new long[] {inter, hidden});
            shapes.put(p + "mlp.down_proj.weight", new long[] {hidden, inter});
        }
        shapes.put("model.norm.weight", new long[] {hidden});
        shapes.put("lm_head.weight", new long[] {vocab, hidden});
    }

    /** Total parameters. */
    long parameters() {
        return shapes.values().stream().mapToLong(s -> {
            long n = 1;
            for (long d : s) {
                n *= d;
            }
            return n;
        }).sum();
    }

    @Override
    public Collection<String> tensorNames() {
        return shapes.keySet();
    }

    @Override
    public TensorInfo info(String name) {
        long[] shape = shapes.get(name);
        if (shape == null) {
            throw new CrucibleException("no tensor " + name);
        }
        return new TensorInfo(name, DType.BF16, shape);
    }

    @Override
    public float[] readFloats(String name) {
        int n = Math.toIntExact(info(name).elementCount());
        float[] out = new float[n];
        boolean norm = name.endsWith("norm.weight");
        long state = name.hashCode() * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < n; i++) {
            state ^= state << 13;
            state ^= state >>> 7;
            state ^= state << 17;
            // uniform in [-0.03, 0.03) (norms around 1), rounded to bf16 by dropping the low 16 bits
            float v = norm ? 1f : ((state >>> 40) / (float) (1L << 24) - 0.5f) * 0.06f;
            out[i] = Float.intBitsToFloat(Float.floatToRawIntBits(v) & 0xFFFF0000);
        }
        return out;
    }
}
