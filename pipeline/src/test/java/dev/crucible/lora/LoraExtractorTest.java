package dev.crucible.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.plan.MergePlan;
import dev.crucible.plan.MergePlanner;
import dev.crucible.plan.OpenedModels;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.SafetensorsFile;
import dev.crucible.safetensors.Zoo;
import dev.crucible.stream.InMemorySink;
import dev.crucible.stream.InMemoryWeights;
import dev.crucible.stream.MergeOptions;
import dev.crucible.stream.MergeRunner;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LoraExtractor} on the zoo's fine-tunes, checked against their base: each decomposed module's rank-r
 * adapter reconstructs {@code FT − BASE} with the best rank-r error (Eckart–Young: from the singular values of
 * the task vector, computed here independently), its layout is mergekit-extract-lora's
 * ({@code mergekit/scripts/extract_lora.py}: keys, modules_to_save, {@code make_config_dict}), and
 * {@code BASE+adapter} in a recipe gives {@code W + B·A} (scale 1).
 */
class LoraExtractorTest {

    private static final String P = LoraAdapter.PREFIX;

    @TempDir
    Path dir;

    private Path extract(String ft, ExtractionOptions options) {
        Path out = dir.resolve(ft + "-lora");
        try (ModelFolder model = ModelFolder.open(Zoo.model(ft)); ModelFolder base = ModelFolder.open(Zoo.model("base"))) {
            Files.createDirectories(out);
            LoraExtractor.extract(model, base, "base", out, options, w -> { }, LoraExtractor.Progress.NONE);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** FT − BASE of one 2-D tensor in double precision, transposed for embeddings as PEFT stores them. */
    private static DMatrixRMaj delta(String ft, String tensor, boolean transpose) {
        try (Checkpoint f = Checkpoint.open(Zoo.model(ft)); Checkpoint b = Checkpoint.open(Zoo.model("base"))) {
            long[] shape = f.info(tensor).shape();
            float[] fv = f.readFloats(tensor);
            float[] bv = b.readFloats(tensor);
            int rows = (int) shape[0];
            int cols = (int) shape[1];
            DMatrixRMaj m = transpose ? new DMatrixRMaj(cols, rows) : new DMatrixRMaj(rows, cols);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    double d = (double) fv[i * cols + j] - bv[i * cols + j];
                    if (transpose) {
                        m.set(j, i, d);
                    } else {
                        m.set(i, j, d);
                    }
                }
            }
            return m;
        }
    }

    /** ‖Δ − B·A‖_F from the adapter's stored factors. */
    private static double reconstructionError(DMatrixRMaj delta, float[] a, float[] b, int rank) {
        double sum = 0;
        for (int i = 0; i < delta.numRows; i++) {
            for (int j = 0; j < delta.numCols; j++) {
                double ba = 0;
                for (int k = 0; k < rank; k++) {
                    ba += (double) b[i * rank + k] * a[k * delta.numCols + j];
                }
                double e = delta.get(i, j) - ba;
                sum += e * e;
            }
        }
        return Math.sqrt(sum);
    }

    /** Eckart–Young: the root sum of squares of the singular values after the largest {@code rank}. */
    private static double bestError(DMatrixRMaj delta, int rank) {
        double[] s = SingularOps_DDRM.singularValues(delta.copy());
        Arrays.sort(s);
        double sum = 0;
        for (int i = 0; i < s.length - rank; i++) {
            sum += s[i] * s[i];
        }
        return Math.sqrt(sum);
    }

    private static double norm(DMatrixRMaj m) {
        return org.ejml.dense.row.NormOps_DDRM.normF(m);
    }

    /**
     * expert-rev is F16 and base BF16, so the factors are float32 (torch's promotion of their difference), and
     * each module's error is the best rank-r error to float32 rounding.
     */
    @Test
    void everyModuleReconstructsWithTheBestRankRError() throws IOException {
        int rank = 8;
        Path out = extract("expert-rev", ExtractionOptions.defaults(rank));
        int modules = 0;
        try (SafetensorsFile adapter = SafetensorsFile.open(out.resolve(LoraAdapter.WEIGHTS_FILE))) {
            for (TensorInfo info : adapter.tensors()) {
                if (!info.name().endsWith(".lora_A.weight")) {
                    continue;
                }
                String module = info.name().substring(P.length(), info.name().length() - ".lora_A.weight".length());
                assertThat(info.dtype()).isEqualTo(DType.F32);
                assertThat(info.shape()[0]).isEqualTo(rank);
                DMatrixRMaj d = delta("expert-rev", module + ".weight", false);
                double err = reconstructionError(d, adapter.tensor(info.name()).toFloats(),
                        adapter.tensor(P + module + ".lora_B.weight").toFloats(), rank);
                double best = bestError(d, rank);
                assertThat(err).as(module).isBetween(best - 1e-6 * norm(d), best + 1e-5 * norm(d));
                modules++;
            }
        }
        assertThat(modules).isEqualTo(4 * 7);
    }

    /** expert-add and base are both BF16: the factors are BF16 too, which costs a whisker (< 1% of ‖Δ‖). */
    @Test
    void bf16FactorsStayWithinAWhiskerOfTheBestError() throws IOException {
        Path out = extract("expert-add", new ExtractionOptions(16, false, true, List.of(), List.of(),
                List.of(), 0, false, 3));
        try (SafetensorsFile adapter = SafetensorsFile.open(out.resolve(LoraAdapter.WEIGHTS_FILE))) {
            String q = "model.layers.2.self_attn.q_proj";
            DMatrixRMaj d = delta("expert-add", q + ".weight", false);
            double err = reconstructionError(d, adapter.tensor(P + q + ".lora_A.weight").toFloats(),
                    adapter.tensor(P + q + ".lora_B.weight").toFloats(), 16);
            double best = bestError(d, 16);
            assertThat(adapter.info(P + q + ".lora_A.weight").dtype()).isEqualTo(DType.BF16);
            assertThat(err).isBetween(best * (1 - 1e-9), best + 0.01 * norm(d));
            // --embed-lora decomposes the embedding transposed: lora_embedding_A is rank x vocab.
            String embed = "model.embed_tokens";
            assertThat(adapter.info(P + embed + ".lora_embedding_A").shape()).containsExactly(16, 64);
            assertThat(adapter.info(P + embed + ".lora_embedding_B").shape()).containsExactly(128, 16);
            DMatrixRMaj e = delta("expert-add", embed + ".weight", true);
            double embedErr = reconstructionError(e, adapter.tensor(P + embed + ".lora_embedding_A").toFloats(),
                    adapter.tensor(P + embed + ".lora_embedding_B").toFloats(), 16);
            assertThat(embedErr).isBetween(bestError(e, 16) * (1 - 1e-9), bestError(e, 16) + 0.01 * norm(e));
        }
    }

    @Test
    void layoutAndConfigAreMergekitExtractLoras() throws IOException {
        Path out = extract("expert-add", new ExtractionOptions(200, true, false, List.of(),
                List.of(), List.of(Pattern.compile("layers\\.3\\.")), 0, false, 2));
        JsonNode config = new ObjectMapper().readTree(out.resolve("adapter_config.json").toFile());
        // Every matrix of the zoo has a side of 128, so rank 200 gives 128 (the embedding is saved whole).
        assertThat(config.get("r").asInt()).isEqualTo(128);
        assertThat(config.get("lora_alpha").asInt()).isEqualTo(128);
        assertThat(config.get("peft_type").asText()).isEqualTo("LORA");
        assertThat(config.get("base_model_name_or_path").asText()).isEqualTo("base");
        List<String> targets = new ArrayList<>();
        config.get("target_modules").forEach(n -> targets.add(n.asText()));
        assertThat(targets).containsExactly("down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj",
                "v_proj");
        List<String> saved = new ArrayList<>();
        config.get("modules_to_save").forEach(n -> saved.add(n.asText()));
        assertThat(saved).containsExactly("embed_tokens", "input_layernorm", "post_attention_layernorm", "norm",
                "lm_head");
        // k_proj and v_proj are 64 x 128 (2 KV heads of 32): rank 64, in both patterns.
        assertThat(config.get("rank_pattern").get("model.layers.0.self_attn.k_proj").asInt()).isEqualTo(64);
        assertThat(config.get("alpha_pattern").get("model.layers.0.self_attn.k_proj").asInt()).isEqualTo(64);
        try (SafetensorsFile adapter = SafetensorsFile.open(out.resolve(LoraAdapter.WEIGHTS_FILE));
             Checkpoint ft = Checkpoint.open(Zoo.model("expert-add"))) {
            assertThat(adapter.contains(P + "model.layers.3.self_attn.q_proj.lora_A.weight")).isFalse();
            // As in mergekit, --save-module names (here input_layernorm, added at layer 0) win over the regexes.
            assertThat(adapter.contains(P + "model.layers.3.input_layernorm.weight")).isTrue();
            assertThat(adapter.contains(P + "model.layers.2.self_attn.q_proj.lora_A.weight")).isTrue();
            for (String whole : List.of("model.embed_tokens.weight", "lm_head.weight", "model.norm.weight",
                    "model.layers.0.input_layernorm.weight")) {
                assertThat(adapter.tensor(P + whole).toFloats()).as(whole).containsExactly(ft.readFloats(whole));
            }
        }
        assertThat(Files.readString(out.resolve(LoraAdapter.WEIGHTS_FILE).resolveSibling("adapter_config.json")))
                .contains("\"use_rslora\" : false");
    }

    /** The extracted adapter applied through a recipe: W + B·A (scale alpha/r = 1), whole modules from FT. */
    @Test
    void baseWithExtractedAdapterIsWPlusBA() throws IOException {
        Path out = extract("expert-add", ExtractionOptions.defaults(4));
        Path recipe = Files.writeString(dir.resolve("r.yml"), "merge_method: passthrough\ndtype: float32\n"
                + "models:\n  - model: " + Zoo.model("base").toAbsolutePath() + "+" + out + "\n");
        InMemoryWeights merged;
        try (OpenedModels models = new OpenedModels(); MergeRunner runner = new MergeRunner(models)) {
            MergePlan plan = MergePlanner.plan(RecipeParser.parse(recipe), models);
            InMemorySink sink = new InMemorySink(plan.outputs());
            runner.merge(plan, sink, MergeOptions.defaults());
            merged = sink.weights();
        }
        try (SafetensorsFile adapter = SafetensorsFile.open(out.resolve(LoraAdapter.WEIGHTS_FILE));
             Checkpoint base = Checkpoint.open(Zoo.model("base"));
             Checkpoint ft = Checkpoint.open(Zoo.model("expert-add"))) {
            String o = "model.layers.1.self_attn.o_proj";
            float[] w = base.readFloats(o + ".weight");
            float[] a = adapter.tensor(P + o + ".lora_A.weight").toFloats();
            float[] b = adapter.tensor(P + o + ".lora_B.weight").toFloats();
            float[] actual = merged.readFloats(o + ".weight");
            double worst = 0;
            for (int i = 0; i < 128; i++) {
                for (int j = 0; j < 128; j++) {
                    double expected = w[i * 128 + j];
                    for (int k = 0; k < 4; k++) {
                        expected += (double) b[i * 4 + k] * a[k * 128 + j];
                    }
                    worst = Math.max(worst, Math.abs(actual[i * 128 + j] - expected));
                }
            }
            assertThat(worst).isLessThan(1e-6);
            for (String whole : List.of("model.embed_tokens.weight", "lm_head.weight", "model.norm.weight")) {
                assertThat(merged.readFloats(whole)).as(whole).containsExactly(ft.readFloats(whole));
            }
        }
    }
}
