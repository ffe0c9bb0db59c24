package dev.crucible.stream;

import dev.crucible.plan.MergePlan;
import dev.crucible.plan.MergePlanner;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.SafetensorsWriter;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RawCopyTest {

    private static final String IDS = "model.layers.0.self_attn.position_ids";

    /** A one-layer model whose float weights are all {@code value} and whose integer buffer holds {@code ids}. */
    private static void model(Path dir, float value, int[] ids) throws Exception {
        Files.createDirectories(dir);
        List<TensorInfo> plan = List.of(
                new TensorInfo("model.embed_tokens.weight", DType.F32, new long[] {4, 2}),
                new TensorInfo("model.layers.0.mlp.up_proj.weight", DType.F32, new long[] {2, 2}),
                new TensorInfo(IDS, DType.I32, new long[] {ids.length}),
                new TensorInfo("model.norm.weight", DType.F32, new long[] {2}));
        try (SafetensorsWriter w = SafetensorsWriter.create(dir, plan, Long.MAX_VALUE, Map.of())) {
            for (TensorInfo info : plan) {
                if (info.dtype() == DType.I32) {
                    w.write(info.name(), MemorySegment.ofArray(ids));
                } else {
                    float[] v = new float[(int) info.elementCount()];
                    Arrays.fill(v, value);
                    w.write(info.name(), v);
                }
            }
            w.finish();
        }
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "llama", "num_hidden_layers": 1, "tie_word_embeddings": true}
                """);
    }

    @Test
    void integerTensorsAreCopiedFromTheBaseByteForByte(@TempDir Path dir) throws Exception {
        model(dir.resolve("base"), 1f, new int[] {0, 1, 2});
        model(dir.resolve("tuned"), 3f, new int[] {7, 7, 7});
        MergePlan plan = MergePlanner.plan(RecipeParser.parse("""
                merge_method: task_arithmetic
                base_model: base
                models: [{model: tuned, parameters: {weight: 0.5}}]
                """, dir));
        Path out = Files.createDirectories(dir.resolve("out"));
        try (SafetensorsSink sink = new SafetensorsSink(out, plan.outputs(), Long.MAX_VALUE)) {
            MergeRunner.run(plan, sink, MergeOptions.defaults());
        }
        try (Checkpoint merged = Checkpoint.open(out)) {
            assertThat(merged.info(IDS).dtype()).isEqualTo(DType.I32);
            assertThat(merged.tensor(IDS).data().toArray(ValueLayout.JAVA_INT)).containsExactly(0, 1, 2);
            assertThat(merged.readFloats("model.layers.0.mlp.up_proj.weight")).containsOnly(2f);
        }
    }
}
