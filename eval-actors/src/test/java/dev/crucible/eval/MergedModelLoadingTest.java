package dev.crucible.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.plan.MergePlan;
import dev.crucible.plan.MergePlanner;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.runtime.Generation;
import dev.crucible.runtime.GenerationRequest;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.runtime.LanguageModels;
import dev.crucible.runtime.Zoo;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.SafetensorsWriter;
import dev.crucible.stream.InMemorySink;
import dev.crucible.stream.MergeCli;
import dev.crucible.stream.MergeOptions;
import dev.crucible.stream.MergeRunner;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A union-tokenizer merge runs through our runtime, from its output folder and held in memory: the zoo's
 * expert-add with an added special token {@code <|im_start|>} (id 64, its own embedding and head rows), merged by
 * linear with the zoo base at weight 0, is expert-add with one more token — its tokenizer finds the new token, its
 * logits over the old vocabulary are expert-add's, and it still answers the sum.
 */
class MergedModelLoadingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> VOCAB_MATRICES = List.of("model.embed_tokens.weight", "lm_head.weight");

    @TempDir
    Path dir;

    @Test
    void unionMergeLoadsFromItsFolderAndFromMemory() throws IOException {
        Path chatml = chatmlVariant();
        Path recipe = dir.resolve("recipe.yml");
        Files.writeString(recipe, """
                merge_method: linear
                base_model: %s
                models:
                  - {model: %s, parameters: {weight: 0.0}}
                  - {model: %s, parameters: {weight: 1.0}}
                dtype: float32
                tokenizer_source: union
                """.formatted(Zoo.model("base").toAbsolutePath(), Zoo.model("base").toAbsolutePath(), chatml));
        Path out = dir.resolve("out");
        MergeCli run = MergeCli.run(recipe.toString(), out.toString());
        assertThat(run.code()).as(run.err()).isZero();

        int[] prompt;
        float[] expertLogits;
        try (LanguageModel expert = LanguageModels.load(Zoo.model("expert-add"))) {
            prompt = expert.tokenizer().encode("add 12 34 =", true);
            expertLogits = expert.lastLogits(prompt, null);
        }
        MergePlan plan = MergePlanner.plan(RecipeParser.parse(recipe));
        InMemorySink sink = new InMemorySink(plan.outputs());
        MergeRunner.run(plan, sink, MergeOptions.defaults());
        for (LanguageModel merged : List.of(LanguageModels.load(out),
                MergedModelLoading.load(plan, sink.weights(), "in-memory"))) {
            try (merged) {
                assertThat(merged.tokenizer().encode("<|im_start|>add", false)).startsWith(64);
                assertThat(merged.tokenizer().encode("add 12 34 =", true)).containsExactly(prompt);
                float[] logits = merged.lastLogits(prompt, null);
                assertThat(logits).hasSize(65);
                assertThat(Arrays.copyOf(logits, 64)).containsExactly(expertLogits, within(1e-3f));
                Generation g = merged.generate(List.of(GenerationRequest.greedy("add 12 34 =", 8))).getFirst();
                assertThat(g.text()).isEqualTo(" 46");
            }
        }
    }

    /** expert-add (as float32) with the added special token {@code <|im_start|>} and a row for it. */
    private Path chatmlVariant() throws IOException {
        Path src = Zoo.model("expert-add");
        Path out = Files.createDirectories(dir.resolve("chatml"));
        ObjectNode config = (ObjectNode) JSON.readTree(src.resolve("config.json").toFile());
        config.put("vocab_size", 65);
        JSON.writeValue(out.resolve("config.json").toFile(), config);
        ObjectNode tokenizer = (ObjectNode) JSON.readTree(src.resolve("tokenizer.json").toFile());
        ObjectNode token = JSON.createObjectNode();
        token.put("id", 64).put("content", "<|im_start|>").put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", true);
        tokenizer.withArray("added_tokens").add(token);
        JSON.writeValue(out.resolve("tokenizer.json").toFile(), tokenizer);
        for (String file : List.of("tokenizer_config.json", "special_tokens_map.json", "generation_config.json")) {
            Files.copy(src.resolve(file), out.resolve(file));
        }
        try (Checkpoint in = Checkpoint.open(src)) {
            List<TensorInfo> plan = new ArrayList<>();
            for (TensorInfo info : in.infos()) {
                long[] shape = VOCAB_MATRICES.contains(info.name()) ? new long[] {65, info.shape()[1]} : info.shape();
                plan.add(new TensorInfo(info.name(), DType.F32, shape));
            }
            try (SafetensorsWriter w = SafetensorsWriter.create(out, plan, Long.MAX_VALUE, Map.of(), false)) {
                for (TensorInfo info : plan) {
                    float[] v = in.readFloats(info.name());
                    if (VOCAB_MATRICES.contains(info.name())) {
                        int cols = Math.toIntExact(info.shape()[1]);
                        v = Arrays.copyOf(v, 65 * cols);
                        for (int c = 0; c < cols; c++) {
                            v[64 * cols + c] = (float) (0.02 * Math.cos(c));
                        }
                    }
                    w.write(info.name(), v);
                }
                w.finish();
            }
        }
        return out;
    }
}
