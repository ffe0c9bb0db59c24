package dev.crucible.stream;

import dev.crucible.error.CrucibleException;
import dev.crucible.plan.MergePlan;
import dev.crucible.plan.MergePlanner;
import dev.crucible.plan.OpenedModels;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.ResidentMappings;
import dev.crucible.safetensors.SafetensorsWriter;
import dev.crucible.safetensors.Zoo;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class MergeRunnerTest {

    private static final String TASK_ARITHMETIC = """
            merge_method: task_arithmetic
            base_model: base
            models:
              - {model: expert-add, parameters: {weight: %s}}
              - {model: expert-rev, parameters: {weight: 1.0}}
            """;

    private static MergePlan plan(OpenedModels models, String weight, String outDtype) {
        return MergePlanner.plan(RecipeParser.parse(TASK_ARITHMETIC.formatted(weight) + "out_dtype: " + outDtype + "\n",
                Zoo.root()), models);
    }

    @Test
    void inMemoryMergeEqualsTheMergeWrittenToDisk(@TempDir Path dir) {
        try (OpenedModels models = new OpenedModels(); MergeRunner runner = new MergeRunner(models)) {
            MergePlan plan = plan(models, "1.0", "bfloat16");
            InMemorySink memory = new InMemorySink(plan.outputs());
            runner.merge(plan, memory, MergeOptions.defaults());
            try (SafetensorsSink disk = new SafetensorsSink(dir, plan.outputs(), Long.MAX_VALUE)) {
                runner.merge(plan, disk, MergeOptions.defaults());
            }
            InMemoryWeights weights = memory.weights();
            try (Checkpoint written = Checkpoint.open(dir)) {
                assertThat(weights.tensorNames()).containsExactlyElementsOf(plan.outputs().stream()
                        .map(TensorInfo::name).toList());
                for (String name : written.tensorNames()) {
                    assertThat(Arrays.equals(weights.readFloats(name), written.readFloats(name))).as(name).isTrue();
                    assertThat(weights.info(name)).isEqualTo(written.info(name));
                }
            }
        }
    }

    @Test
    void mergedInputsDoNotStayInTheResidentMemoryOfTheProcess(@TempDir Path dir) throws IOException {
        assumeTrue(ResidentMappings.available(), "reads the process's memory map from Linux /proc");
        long inputBytes = megabyteModel(dir.resolve("a"), 1f) + megabyteModel(dir.resolve("b"), 3f);
        try (OpenedModels models = new OpenedModels(); MergeRunner runner = new MergeRunner(models)) {
            MergePlan plan = MergePlanner.plan(RecipeParser.parse("""
                    merge_method: linear
                    models: [{model: a, parameters: {weight: 0.5}}, {model: b, parameters: {weight: 0.5}}]
                    """, dir), models);
            InMemorySink sink = new InMemorySink(plan.outputs());
            runner.merge(plan, sink, MergeOptions.defaults());
            assertThat(sink.weights().readFloats("model.norm.weight")).containsOnly(2f);
            // The inputs are still mapped (the runner may merge them again), but their pages left the process.
            assertThat(ResidentMappings.residentBytesUnder(dir)).isLessThan(inputBytes / 4);
        }
    }

    /**
     * Writes a one-layer float32 model of tensors filled with {@code value}, each of several MiB, as the
     * kernel maps up to 64 KiB around a touched page back in; returns the size of its weights file.
     */
    private static long megabyteModel(Path dir, float value) throws IOException {
        Files.createDirectories(dir);
        List<TensorInfo> tensors = List.of(
                new TensorInfo("model.embed_tokens.weight", DType.F32, new long[] {1024, 512}),
                new TensorInfo("model.layers.0.mlp.up_proj.weight", DType.F32, new long[] {1024, 512}),
                new TensorInfo("model.layers.0.mlp.down_proj.weight", DType.F32, new long[] {512, 1024}),
                new TensorInfo("model.norm.weight", DType.F32, new long[] {512}));
        try (SafetensorsWriter writer = SafetensorsWriter.create(dir, tensors, Long.MAX_VALUE, Map.of())) {
            for (TensorInfo tensor : tensors) {
                float[] values = new float[(int) tensor.elementCount()];
                Arrays.fill(values, value);
                writer.write(tensor.name(), values);
            }
            writer.finish();
        }
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "llama", "num_hidden_layers": 1}
                """);
        return Files.size(dir.resolve("model.safetensors"));
    }

    @Test
    void oneRunnerServesManyMergesFromTheSameOpenedSources() {
        try (OpenedModels models = new OpenedModels(); MergeRunner runner = new MergeRunner(models)) {
            List<float[]> heads = new ArrayList<>();
            for (String weight : List.of("0.0", "1.0", "2.0")) {
                MergePlan plan = plan(models, weight, "float32");
                InMemorySink sink = new InMemorySink(plan.outputs());
                MergeStats stats = runner.merge(plan, sink, MergeOptions.defaults());
                assertThat(stats.tensors()).isEqualTo(plan.tensors().size());
                heads.add(sink.weights().readFloats("lm_head.weight"));
            }
            // Linear in the weight: the middle candidate sits halfway between the outer two.
            for (int i = 0; i < heads.get(0).length; i += 97) {
                assertThat(heads.get(1)[i]).isCloseTo((heads.get(0)[i] + heads.get(2)[i]) / 2, within(1e-5f));
            }
        }
    }

    @Test
    void progressIsReportedOncePerTensorUpToTheTotal() {
        AtomicInteger calls = new AtomicInteger();
        List<MergeProgress> last = new ArrayList<>();
        try (OpenedModels models = new OpenedModels(); MergeRunner runner = new MergeRunner(models)) {
            MergePlan plan = plan(models, "1.0", "bfloat16");
            MergeStats stats = runner.merge(plan, new InMemorySink(plan.outputs()), new MergeOptions(0, 2, p -> {
                calls.incrementAndGet();
                last.clear();
                last.add(p);
            }, 1 << 20));
            assertThat(calls.get()).isEqualTo(plan.tensors().size());
            MergeProgress end = last.getFirst();
            assertThat(end.done()).isEqualTo(end.total());
            assertThat(end.bytesWritten()).isEqualTo(plan.outputBytes()).isEqualTo(stats.bytesWritten());
            assertThat(end.fraction()).isEqualTo(1.0);
            // Base, two experts, each read once per tensor: three times the bf16 output size.
            assertThat(stats.bytesRead()).isGreaterThan(2 * plan.outputBytes());
        }
    }

    @Test
    void sinkFailureNamesTheCauseAndStopsTheMerge() {
        try (OpenedModels models = new OpenedModels(); MergeRunner runner = new MergeRunner(models)) {
            MergePlan plan = plan(models, "1.0", "bfloat16");
            TensorSink failing = new TensorSink() {
                @Override
                public void accept(TensorInfo info, float[] values) {
                    throw new CrucibleException("disk full while writing " + info.name());
                }

                @Override
                public void acceptRaw(TensorInfo info, MemorySegment bytes) {
                    throw new CrucibleException("disk full");
                }

                @Override
                public void finish() {
                    throw new AssertionError("finish must not be called after a failure");
                }
            };
            assertThatThrownBy(() -> runner.merge(plan, failing, MergeOptions.defaults()))
                    .isInstanceOf(CrucibleException.class).hasMessageStartingWith("disk full while writing ");
        }
    }

    @Test
    void passthroughCopiesExactlyAndScalesWhenAsked() {
        String recipe = """
                merge_method: passthrough
                slices:
                  - sources: [{model: expert-add, layer_range: [0, 4]}]
                  - sources: [{model: expert-add, layer_range: [3, 4], parameters: {scale: 0.5}}]
                """;
        try (OpenedModels models = new OpenedModels(); MergeRunner runner = new MergeRunner(models)) {
            MergePlan plan = MergePlanner.plan(RecipeParser.parse(recipe, Zoo.root()), models);
            InMemorySink sink = new InMemorySink(plan.outputs());
            runner.merge(plan, sink, MergeOptions.defaults());
            Checkpoint add = models.checkpoint(Zoo.model("expert-add"));
            String suffix = ".mlp.up_proj.weight";
            assertThat(sink.weights().readFloats("model.layers.3" + suffix)).isEqualTo(add.readFloats("model.layers.3" + suffix));
            float[] scaled = sink.weights().readFloats("model.layers.4" + suffix);
            float[] original = add.readFloats("model.layers.3" + suffix);
            for (int i = 0; i < original.length; i++) {
                assertThat(scaled[i]).isEqualTo(original[i] * 0.5f);
            }
        }
    }

    @Test
    void tensorSeedsDependOnSeedAndNameOnly() {
        assertThat(MergeRunner.tensorSeed(1, "a")).isEqualTo(MergeRunner.tensorSeed(1, "a"))
                .isNotEqualTo(MergeRunner.tensorSeed(2, "a")).isNotEqualTo(MergeRunner.tensorSeed(1, "b"));
    }
}
