package dev.crucible.lora;

import dev.crucible.error.CrucibleException;
import dev.crucible.plan.MergePlan;
import dev.crucible.plan.MergePlanner;
import dev.crucible.plan.OpenedModels;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.Zoo;
import dev.crucible.stream.InMemorySink;
import dev.crucible.stream.InMemoryWeights;
import dev.crucible.stream.MergeOptions;
import dev.crucible.stream.MergeRunner;
import dev.crucible.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code model: BASE+LORA_DIR} applies a PEFT adapter as PEFT's {@code merge_and_unload} does
 * ({@code peft/tuners/lora/layer.py}: {@code Linear.get_delta_weight} = {@code B @ A * scaling},
 * {@code Embedding} the transpose; {@code scaling} = alpha/r, or alpha/sqrt(r) with rsLoRA; {@code rank_pattern}
 * and {@code alpha_pattern} per module), checked against a double-precision transcription of that formula.
 */
class BaseWithLoraMergeTest {

    private static final String Q = "model.layers.0.self_attn.q_proj";
    private static final String DOWN = "model.layers.1.mlp.down_proj";
    private static final String EMBED = "model.embed_tokens";
    private static final String P = LoraAdapter.PREFIX;

    @TempDir
    Path dir;

    private final Map<String, AdapterFiles.Stored> tensors = new LinkedHashMap<>();

    /** q_proj at rank 4, down_proj at rank 2 (rank_pattern), the embedding at rank 4, model.norm saved whole. */
    private Path adapter(boolean rslora) throws IOException {
        Random random = new Random(7);
        tensors.put(P + Q + ".lora_A.weight", AdapterFiles.random(random, DType.F32, 0.2, 4, 128));
        tensors.put(P + Q + ".lora_B.weight", AdapterFiles.random(random, DType.BF16, 0.2, 128, 4));
        tensors.put(P + DOWN + ".lora_A.weight", AdapterFiles.random(random, DType.F32, 0.2, 2, 352));
        tensors.put(P + DOWN + ".lora_B.weight", AdapterFiles.random(random, DType.F32, 0.2, 128, 2));
        tensors.put(P + EMBED + ".lora_embedding_A", AdapterFiles.random(random, DType.F32, 0.2, 4, 64));
        tensors.put(P + EMBED + ".lora_embedding_B", AdapterFiles.random(random, DType.F32, 0.2, 128, 4));
        tensors.put(P + "model.norm.weight", AdapterFiles.random(random, DType.BF16, 1.0, 128));
        Map<String, Object> config = AdapterFiles.config(4, 8, rslora, List.of("q_proj", "down_proj", "embed_tokens"),
                List.of("norm"));
        config.put("rank_pattern", Map.of("down_proj", 2));
        config.put("alpha_pattern", Map.of("layers.1.mlp.down_proj", 5));
        return AdapterFiles.write(dir.resolve(rslora ? "rslora" : "lora"), config, tensors);
    }

    private InMemoryWeights merge(String yaml) throws IOException {
        Path recipe = Files.writeString(dir.resolve("recipe.yml"), yaml);
        try (OpenedModels models = new OpenedModels(); MergeRunner runner = new MergeRunner(models)) {
            MergePlan plan = MergePlanner.plan(RecipeParser.parse(recipe), models);
            InMemorySink sink = new InMemorySink(plan.outputs());
            runner.merge(plan, sink, MergeOptions.defaults());
            return sink.weights();
        }
    }

    /** W + scale·B·A in double precision; transposed for the embedding. */
    private double[] reference(String module, double scale, boolean embedding) {
        float[] w;
        long[] shape;
        try (Checkpoint base = Checkpoint.open(Zoo.model("base"))) {
            w = base.readFloats(module + ".weight");
            shape = base.info(module + ".weight").shape();
        }
        AdapterFiles.Stored a = tensors.get(P + module + (embedding ? ".lora_embedding_A" : ".lora_A.weight"));
        AdapterFiles.Stored b = tensors.get(P + module + (embedding ? ".lora_embedding_B" : ".lora_B.weight"));
        int rank = (int) a.shape()[0];
        int inA = (int) a.shape()[1];
        int outB = (int) b.shape()[0];
        double[] out = new double[w.length];
        for (int i = 0; i < shape[0]; i++) {
            for (int j = 0; j < shape[1]; j++) {
                // (B·A)[o, n] with o, n the row and column of B·A; embeddings store its transpose.
                int o = embedding ? j : i;
                int n = embedding ? i : j;
                double sum = 0;
                for (int k = 0; k < rank; k++) {
                    sum += (double) b.values()[o * rank + k] * a.values()[k * inA + n];
                }
                assertThat(o).isLessThan(outB);
                out[(int) (i * shape[1] + j)] = w[(int) (i * shape[1] + j)] + scale * sum;
            }
        }
        return out;
    }

    private static void assertClose(float[] actual, double[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
        }
        assertThat(worst).isLessThan(2e-6);
    }

    private void assertAdapted(InMemoryWeights merged, double qScale, double downScale) {
        assertClose(merged.readFloats(Q + ".weight"), reference(Q, qScale, false));
        assertClose(merged.readFloats(DOWN + ".weight"), reference(DOWN, downScale, false));
        assertClose(merged.readFloats(EMBED + ".weight"), reference(EMBED, qScale, true));
        assertThat(merged.readFloats("model.norm.weight")).containsExactly(tensors.get(P + "model.norm.weight").values());
        try (Checkpoint base = Checkpoint.open(Zoo.model("base"))) {
            for (String untouched : List.of("model.layers.0.self_attn.k_proj.weight", "lm_head.weight",
                    "model.layers.1.mlp.up_proj.weight", "model.layers.0.input_layernorm.weight")) {
                assertThat(merged.readFloats(untouched)).as(untouched).containsExactly(base.readFloats(untouched));
            }
        }
    }

    @Test
    void passthroughOfBasePlusAdapterIsWPlusScaledBA() throws IOException {
        Path lora = adapter(false);
        InMemoryWeights merged = merge("merge_method: passthrough\ndtype: float32\nmodels:\n  - model: "
                + Zoo.model("base").toAbsolutePath() + "+" + lora.getFileName() + "\n");
        // alpha/r = 8/4; down_proj: alpha_pattern 5 / rank_pattern 2.
        assertAdapted(merged, 2.0, 2.5);
    }

    @Test
    void rsLoraScalesByAlphaOverSquareRootOfRank() throws IOException {
        Path lora = adapter(true);
        InMemoryWeights merged = merge("merge_method: passthrough\ndtype: float32\nmodels:\n  - model: "
                + Zoo.model("base").toAbsolutePath() + "+" + lora.getFileName() + "\n");
        assertAdapted(merged, 8 / Math.sqrt(4), 5 / Math.sqrt(2));
    }

    @Test
    void adaptedModelTakesPartInStreamedMergesLikeAnyModel() throws IOException {
        Path lora = adapter(false);
        String base = Zoo.model("base").toAbsolutePath().toString();
        // base + 1·((base+lora) − base) is base+lora again, through task arithmetic's streamed path.
        InMemoryWeights merged = merge("merge_method: task_arithmetic\ndtype: float32\nbase_model: " + base
                + "\nmodels:\n  - model: " + base + "+" + lora + "\n    parameters: {weight: 1.0}\n");
        assertAdapted(merged, 2.0, 2.5);
    }

    /** GPT-2-style layers store (in, out): PEFT's {@code transpose(B @ A, fan_in_fan_out)}. */
    @Test
    void fanInFanOutAddsTheTransposedProduct() throws IOException {
        Random random = new Random(11);
        tensors.put(P + Q + ".lora_A.weight", AdapterFiles.random(random, DType.F32, 0.2, 4, 128));
        tensors.put(P + Q + ".lora_B.weight", AdapterFiles.random(random, DType.F32, 0.2, 128, 4));
        Map<String, Object> config = AdapterFiles.config(4, 4, false, List.of("q_proj"), List.of());
        config.put("fan_in_fan_out", true);
        Path lora = AdapterFiles.write(dir.resolve("fan"), config, tensors);
        InMemoryWeights merged = merge("merge_method: passthrough\ndtype: float32\nmodels:\n  - model: "
                + Zoo.model("base").toAbsolutePath() + "+" + lora + "\n");
        // Stored (in, out) is indexed like an embedding's (B·A)ᵀ: the embedding branch of the reference.
        assertClose(merged.readFloats(Q + ".weight"), referenceTransposed(Q));
    }

    private double[] referenceTransposed(String module) {
        float[] w;
        try (Checkpoint base = Checkpoint.open(Zoo.model("base"))) {
            w = base.readFloats(module + ".weight");
        }
        float[] a = tensors.get(P + module + ".lora_A.weight").values();
        float[] b = tensors.get(P + module + ".lora_B.weight").values();
        double[] out = new double[w.length];
        for (int i = 0; i < 128; i++) {
            for (int j = 0; j < 128; j++) {
                double sum = 0;
                for (int k = 0; k < 4; k++) {
                    sum += (double) b[j * 4 + k] * a[k * 128 + i];
                }
                out[i * 128 + j] = w[i * 128 + j] + sum;
            }
        }
        return out;
    }

    @Test
    void brokenAdaptersAreRefusedWithTheFileNamed() throws IOException {
        String base = Zoo.model("base").toAbsolutePath().toString();
        String recipeHead = "merge_method: passthrough\nmodels:\n  - model: " + base + "+";
        assertThatThrownBy(() -> merge(recipeHead + "missing\n"))
                .isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("models[0].model: ")
                .hasMessageContaining(dir.resolve("missing").toString()).hasMessageContaining("adapter folder not found");

        Path lora = adapter(false);
        Files.delete(lora.resolve("adapter_model.safetensors"));
        assertThatThrownBy(() -> merge(recipeHead + lora + "\n"))
                .hasMessageContaining(lora.resolve("adapter_model.safetensors") + " not found");

        Files.writeString(lora.resolve("adapter_config.json"), "{\"r\": 4,");
        assertThatThrownBy(() -> merge(recipeHead + lora + "\n"))
                .hasMessageContaining(lora.resolve("adapter_config.json") + " is not valid JSON");

        tensors.clear();
        Path wrongRank = AdapterFiles.write(dir.resolve("wrong-rank"), AdapterFiles.config(8, 8, false,
                List.of("q_proj"), List.of()), Map.of(
                P + Q + ".lora_A.weight", AdapterFiles.random(new Random(1), DType.F32, 0.1, 4, 128),
                P + Q + ".lora_B.weight", AdapterFiles.random(new Random(2), DType.F32, 0.1, 128, 4)));
        assertThatThrownBy(() -> merge(recipeHead + wrongRank + "\n"))
                .hasMessageContaining(wrongRank.resolve("adapter_model.safetensors").toString())
                .hasMessageContaining(P + Q + ".lora_A.weight has shape [4, 128]")
                .hasMessageContaining("need [8, 128]");

        Path bias = AdapterFiles.write(dir.resolve("bias"), AdapterFiles.config(4, 8, false, List.of("q_proj"),
                List.of()), Map.of(
                P + Q + ".lora_A.weight", AdapterFiles.random(new Random(1), DType.F32, 0.1, 4, 128),
                P + Q + ".lora_B.weight", AdapterFiles.random(new Random(2), DType.F32, 0.1, 128, 4),
                P + Q + ".lora_B.bias", AdapterFiles.random(new Random(3), DType.F32, 0.1, 128)));
        assertThatThrownBy(() -> merge(recipeHead + bias + "\n"))
                .hasMessageContaining(bias.resolve("adapter_model.safetensors").toString())
                .hasMessageContaining("trains a bias").hasMessageContaining("no tensor " + Q + ".bias");

        assertThatThrownBy(() -> merge(recipeHead + "a+b\n"))
                .hasMessageStartingWith("models[0].model: ").hasMessageContaining("MODEL+LORA_DIR");
    }
}
