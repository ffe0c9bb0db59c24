package dev.crucible.stream;

import dev.crucible.safetensors.SafetensorsWriter;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real {@code merge} process stopped after its first tensor is written (SIGTERM, SIGINT) leaves no staging
 * folder and no output; one killed with kill -9 leaves its staging folder, which the next merge into the same
 * target removes. The inputs are two generated 15 MB models of 75 tensors, so the merge has many tensors still to
 * write when the signal arrives.
 */
class MergeInterruptTest {

    private static final int HIDDEN = 256;
    private static final int INTERMEDIATE = 704;
    private static final int VOCAB = 2048;
    private static final int LAYERS = 8;

    @TempDir
    static Path models;

    @TempDir
    Path dir;

    @BeforeAll
    static void generateModels() throws IOException {
        generate(models.resolve("base"), 1);
        generate(models.resolve("expert"), 2);
        Files.writeString(models.resolve("recipe.yml"), """
                merge_method: ties
                base_model: base
                models:
                  - model: expert
                    parameters: {weight: 1.0, density: 0.5}
                dtype: bfloat16
                """);
    }

    private static void generate(Path dir, long seed) throws IOException {
        Files.createDirectories(dir);
        List<TensorInfo> plan = new ArrayList<>();
        plan.add(new TensorInfo("model.embed_tokens.weight", DType.BF16, new long[] {VOCAB, HIDDEN}));
        for (int l = 0; l < LAYERS; l++) {
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
        try (SafetensorsWriter writer = SafetensorsWriter.create(dir, plan, 1L << 40, Map.of("format", "pt"))) {
            SplittableRandom random = new SplittableRandom(seed);
            for (TensorInfo info : plan) {
                float[] values = new float[Math.toIntExact(info.elementCount())];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (random.nextDouble() - 0.5) * 0.04f;
                }
                writer.write(info.name(), values);
            }
            writer.finish();
        }
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": %d,
                 "intermediate_size": %d, "num_hidden_layers": %d, "num_attention_heads": 8,
                 "num_key_value_heads": 8, "vocab_size": %d, "torch_dtype": "bfloat16"}
                """.formatted(HIDDEN, INTERMEDIATE, LAYERS, VOCAB));
    }

    /** Starts a merge into {@code out} and returns once it has written its first tensor (it reports each with -v). */
    private static Process startMerge(Path out) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                MergeProcess.class.getName(), models.resolve("recipe.yml").toString(), out.toString(),
                "--threads", "1", "-v").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = err.readLine()) != null && !line.startsWith("[1/")) {
            // Start-up output (the JVM's notes) before the first tensor.
        }
        assertThat(line).as("the merge's first tensor line").isNotNull();
        // Keep draining stderr so that the merge never blocks on a full pipe.
        Thread.ofPlatform().daemon().start(() -> {
            try {
                err.lines().forEach(l -> { });
            } catch (java.io.UncheckedIOException closed) {
                // The process ended.
            }
        });
        return p;
    }

    private List<String> entries() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test
    void sigtermMidMergeLeavesNothingBehind() throws Exception {
        Process p = startMerge(dir.resolve("out"));
        p.destroy();
        assertThat(p.waitFor()).as("stopped by SIGTERM before it finished").isEqualTo(143);
        assertThat(entries()).isEmpty();
    }

    @Test
    void sigintMidMergeLeavesNothingBehind() throws Exception {
        Process p = startMerge(dir.resolve("out"));
        assertThat(new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor()).isZero();
        assertThat(p.waitFor()).as("stopped by SIGINT before it finished").isEqualTo(130);
        assertThat(entries()).isEmpty();
    }

    @Test
    void theNextMergeRemovesWhatAKilledOneLeft() throws Exception {
        Process p = startMerge(dir.resolve("out"));
        p.destroyForcibly();
        p.waitFor();
        assertThat(entries()).singleElement().asString().startsWith(".out.tmp-" + p.pid() + "-");
        Process next = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), MergeProcess.class.getName(),
                models.resolve("recipe.yml").toString(), dir.resolve("out").toString(), "--no-sync")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        assertThat(next.waitFor()).isZero();
        assertThat(entries()).containsExactly("out");
    }
}
