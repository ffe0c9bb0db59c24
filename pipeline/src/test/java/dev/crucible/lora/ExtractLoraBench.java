package dev.crucible.lora;

import dev.crucible.safetensors.SafetensorsWriter;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Benchmark (not a test): {@code extract-lora} of a 1 GiB llama-shaped bf16 "fine-tune" (the base plus a rank-16
 * change and a little noise on every matrix) against its base, both generated on first use (the shapes of
 * {@code MergeBench}'s models). Prints the wall time of the command and the JVM's peak RSS (VmHWM).
 * Usage: {@code bench/main.sh pipeline dev.crucible.lora.ExtractLoraBench [DIR [MAX_RANK [LAYERS]]]}.
 */
public final class ExtractLoraBench {

    private static final int HIDDEN = 2048;
    private static final int INTERMEDIATE = 5632;
    private static final int VOCAB = 8192;
    private static final int TRUE_RANK = 16;

    private ExtractLoraBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/crucible-bench-lora");
        String rank = args.length > 1 ? args[1] : "16";
        int layers = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        Path base = generate(dir.resolve("base"), layers, false);
        Path ft = generate(dir.resolve("ft"), layers, true);
        Path out = dir.resolve("lora-" + rank);
        long start = System.nanoTime();
        int code = new CommandLine(new ExtractLoraCommand()).execute("--model", ft.toString(), "--base-model",
                base.toString(), "--out-path", out.toString(), "--max-rank", rank, "--force");
        double seconds = (System.nanoTime() - start) / 1e9;
        String hwm = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
                .findFirst().orElse("VmHWM: ?");
        System.out.printf(Locale.ROOT, "extract-lora --max-rank %s of %d layers (%.2f GiB per model): exit %d, %.1f s,"
                + " peak RSS %s, %d cores%n", rank, layers, Files.size(base.resolve("model.safetensors"))
                / (double) (1L << 30), code, seconds, hwm.replaceAll("VmHWM:\\s*", ""),
                Runtime.getRuntime().availableProcessors());
    }

    private static Path generate(Path dir, int layers, boolean fineTune) throws IOException {
        if (Files.isRegularFile(dir.resolve("config.json"))) {
            return dir;
        }
        Files.createDirectories(dir);
        List<TensorInfo> plan = new ArrayList<>();
        plan.add(new TensorInfo("model.embed_tokens.weight", DType.BF16, new long[] {VOCAB, HIDDEN}));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
                plan.add(new TensorInfo(p + "self_attn." + proj + ".weight", DType.BF16, new long[] {HIDDEN, HIDDEN}));
            }
            plan.add(new TensorInfo(p + "mlp.gate_proj.weight", DType.BF16, new long[] {INTERMEDIATE, HIDDEN}));
            plan.add(new TensorInfo(p + "mlp.up_proj.weight", DType.BF16, new long[] {INTERMEDIATE, HIDDEN}));
            plan.add(new TensorInfo(p + "mlp.down_proj.weight", DType.BF16, new long[] {HIDDEN, INTERMEDIATE}));
            plan.add(new TensorInfo(p + "input_layernorm.weight", DType.BF16, new long[] {HIDDEN}));
            plan.add(new TensorInfo(p + "post_attention_layernorm.weight", DType.BF16, new long[] {HIDDEN}));
        }
        plan.add(new TensorInfo("model.norm.weight", DType.BF16, new long[] {HIDDEN}));
        plan.add(new TensorInfo("lm_head.weight", DType.BF16, new long[] {VOCAB, HIDDEN}));
        try (SafetensorsWriter writer = SafetensorsWriter.create(dir, plan, 5L << 30, Map.of("format", "pt"))) {
            for (TensorInfo info : plan) {
                // The same seed per tensor for base and fine-tune: the fine-tune is the base plus its change.
                SplittableRandom random = new SplittableRandom(info.name().hashCode());
                float[] values = new float[Math.toIntExact(info.elementCount())];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (random.nextDouble() - 0.5) * 0.04f;
                }
                if (fineTune && info.shape().length == 2) {
                    addLowRankChange(values, (int) info.shape()[0], (int) info.shape()[1], random);
                }
                writer.write(info.name(), values);
            }
            writer.finish();
        }
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": %d,
                 "intermediate_size": %d, "num_hidden_layers": %d, "num_attention_heads": 16,
                 "num_key_value_heads": 16, "vocab_size": %d, "torch_dtype": "bfloat16"}
                """.formatted(HIDDEN, INTERMEDIATE, layers, VOCAB));
        return dir;
    }

    /** values += U·V (rank {@value #TRUE_RANK}, about a tenth of the weights' scale) + noise. */
    private static void addLowRankChange(float[] values, int rows, int cols, SplittableRandom random) {
        float[] u = new float[rows * TRUE_RANK];
        float[] v = new float[TRUE_RANK * cols];
        for (int i = 0; i < u.length; i++) {
            u[i] = (float) (random.nextDouble() - 0.5) * 0.02f;
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextDouble() - 0.5) * 0.02f;
        }
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < TRUE_RANK; k++) {
                float f = u[i * TRUE_RANK + k];
                for (int j = 0; j < cols; j++) {
                    values[i * cols + j] += f * v[k * cols + j];
                }
            }
            for (int j = 0; j < cols; j++) {
                values[i * cols + j] += (float) (random.nextDouble() - 0.5) * 0.0004f;
            }
        }
    }
}
