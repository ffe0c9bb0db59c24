package dev.crucible.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.checkpoint.Submodule;
import dev.crucible.checkpoint.TensorName;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.Zoo;
import dev.crucible.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class MergeCommandTest {

    @TempDir
    Path dir;

    /** What the last command printed to stderr, shown when an assertion on it fails. */
    private String lastError = "";

    private static String zoo(String model) {
        return Zoo.model(model).toAbsolutePath().toString();
    }

    private Path recipe(String yaml) throws IOException {
        Path file = dir.resolve("recipe.yml");
        Files.writeString(file, yaml);
        return file;
    }

    private int merge(Path recipe, Path out, String... extra) {
        String[] args = Stream.concat(Stream.of(recipe.toString(), out.toString()), Stream.of(extra))
                .toArray(String[]::new);
        MergeCli run = MergeCli.run(args);
        lastError = run.err();
        return run.code();
    }

    /** Largest absolute difference over every tensor of the reference; names must match exactly. */
    private static double maxDifference(Path out, Path reference) {
        try (Checkpoint a = Checkpoint.open(out); Checkpoint b = Checkpoint.open(reference)) {
            assertThat(new HashSet<>(a.tensorNames())).isEqualTo(new HashSet<>(b.tensorNames()));
            double max = 0;
            for (String name : b.tensorNames()) {
                assertThat(a.info(name).shape()).as(name).isEqualTo(b.info(name).shape());
                float[] x = a.readFloats(name);
                float[] y = b.readFloats(name);
                for (int i = 0; i < x.length; i++) {
                    max = Math.max(max, Math.abs(x[i] - y[i]));
                }
            }
            return max;
        }
    }

    private static void assertSame(Checkpoint a, String nameA, Checkpoint b, String nameB) {
        assertThat(Arrays.equals(a.readFloats(nameA), b.readFloats(nameB))).as(nameA + " == " + nameB).isTrue();
    }

    private static JsonNode json(Path file) throws IOException {
        return new ObjectMapper().readTree(file.toFile());
    }

    @Test
    void linearHalfAndHalfReproducesTheZooMerge() throws Exception {
        Path out = dir.resolve("linear");
        assertThat(merge(recipe("""
                merge_method: linear
                models:
                  - model: %s
                    parameters: {weight: 0.5}
                  - model: %s
                    parameters: {weight: 0.5}
                dtype: float32
                """.formatted(zoo("expert-add"), zoo("expert-rev"))), out)).as(() -> lastError).isZero();
        assertThat(maxDifference(out, Zoo.model("merges/linear"))).isLessThan(1e-6);
        JsonNode config = json(out.resolve("config.json"));
        assertThat(config.get("torch_dtype").asText()).isEqualTo("float32");
        assertThat(config.get("num_hidden_layers").asInt()).isEqualTo(4);
        try (Checkpoint c = Checkpoint.open(out)) {
            assertThat(c.infos()).allMatch(i -> i.dtype() == DType.F32);
        }
        assertThat(out.resolve("tokenizer.json")).exists();
        assertThat(out.resolve("generation_config.json")).exists();
        String card = Files.readString(out.resolve("README.md"));
        assertThat(card).contains("```yaml\nmerge_method: linear").contains("- `" + zoo("expert-add") + "`");
    }

    @Test
    void noSyncWritesTheSameModel() throws Exception {
        Path recipe = recipe("""
                merge_method: task_arithmetic
                base_model: %s
                models:
                  - model: %s
                    parameters: {weight: 1.0}
                dtype: bfloat16
                """.formatted(zoo("base"), zoo("expert-add")));
        Path synced = dir.resolve("synced");
        Path unsynced = dir.resolve("unsynced");
        assertThat(merge(recipe, synced)).as(() -> lastError).isZero();
        assertThat(merge(recipe, unsynced, "--no-sync")).as(() -> lastError).isZero();
        assertThat(Files.readAllBytes(unsynced.resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(synced.resolve("model.safetensors")));
    }

    @Test
    void taskArithmeticReproducesTheZooMerge() throws Exception {
        Path out = dir.resolve("ta");
        assertThat(merge(recipe("""
                merge_method: task_arithmetic
                base_model: %s
                models:
                  - model: %s
                    parameters: {weight: 1.0}
                  - model: %s
                    parameters: {weight: 1.0}
                dtype: float32
                """.formatted(zoo("base"), zoo("expert-add"), zoo("expert-rev"))), out)).as(() -> lastError).isZero();
        assertThat(maxDifference(out, Zoo.model("merges/task_arithmetic"))).isLessThan(1e-6);
    }

    @Test
    void tiesReproducesTheZooMerge() throws Exception {
        Path out = dir.resolve("ties");
        assertThat(merge(recipe("""
                merge_method: ties
                base_model: %s
                models:
                  - model: %s
                    parameters: {weight: 1.0, density: 0.5}
                  - model: %s
                    parameters: {weight: 1.0, density: 0.5}
                dtype: float32
                out_dtype: float32
                """.formatted(zoo("base"), zoo("expert-add"), zoo("expert-rev"))), out)).as(() -> lastError).isZero();
        TiesComparison c = TiesComparison.of(out, Zoo.model("merges/ties"), Zoo.model("base"),
                List.of(Zoo.model("expert-add"), Zoo.model("expert-rev")), 0.5);
        assertThat(c.differingOffThreshold()).as("elements differing away from the trim threshold").isZero();
        assertThat(c.fractionDiffering()).isLessThan(0.01);
    }

    @Test
    void remergeOntoANewBaseKeepsTheOldTaskVectors() throws Exception {
        Path out = dir.resolve("remerge");
        assertThat(merge(recipe("""
                merge_method: task_arithmetic
                base_model: %s
                task_vector_base: %s
                models:
                  - model: %s
                    parameters: {weight: 1.0}
                  - model: %s
                    parameters: {weight: 1.0}
                dtype: float32
                """.formatted(zoo("base-v2"), zoo("base"), zoo("expert-add"), zoo("expert-rev"))), out)).as(() -> lastError).isZero();
        assertThat(maxDifference(out, Zoo.model("merges/remerge_v2_task_arithmetic"))).isLessThan(2e-6);
    }

    @Test
    void seededDareTiesIsByteIdenticalForAnyThreadCount() throws Exception {
        Path recipe = recipe("""
                merge_method: dare_ties
                base_model: %s
                models:
                  - model: %s
                    parameters: {weight: [1.0, 0.6], density: 0.5}
                  - model: %s
                    parameters: {weight: 0.8, density: 0.7}
                out_dtype: bfloat16
                """.formatted(zoo("base"), zoo("expert-add"), zoo("expert-rev")));
        Path one = dir.resolve("one");
        Path four = dir.resolve("four");
        Path otherSeed = dir.resolve("other");
        assertThat(merge(recipe, one, "--seed", "42", "--threads", "1")).as(() -> lastError).isZero();
        assertThat(merge(recipe, four, "--seed", "42", "--threads", "4")).as(() -> lastError).isZero();
        assertThat(merge(recipe, otherSeed, "--seed", "43", "--threads", "4")).as(() -> lastError).isZero();
        byte[] a = Files.readAllBytes(one.resolve("model.safetensors"));
        assertThat(Files.readAllBytes(four.resolve("model.safetensors"))).isEqualTo(a);
        assertThat(Files.readAllBytes(otherSeed.resolve("model.safetensors"))).isNotEqualTo(a);
    }

    @Test
    void slicesStackLayersIntoALargerModel() throws Exception {
        Path out = dir.resolve("franken");
        assertThat(merge(recipe("""
                merge_method: passthrough
                slices:
                  - sources:
                      - model: %s
                        layer_range: [0, 3]
                  - sources:
                      - model: %s
                        layer_range: [1, 4]
                out_dtype: float32
                """.formatted(zoo("expert-add"), zoo("expert-rev"))), out, "--out-shard-size", "1MB")).as(() -> lastError).isZero();
        assertThat(json(out.resolve("config.json")).get("num_hidden_layers").asInt()).isEqualTo(6);
        assertThat(out.resolve("model.safetensors.index.json")).exists();
        try (Checkpoint merged = Checkpoint.open(out); Checkpoint add = Checkpoint.open(Zoo.model("expert-add"));
             Checkpoint rev = Checkpoint.open(Zoo.model("expert-rev"))) {
            String suffix = ".self_attn.q_proj.weight";
            assertSame(merged, "model.layers.2" + suffix, add, "model.layers.2" + suffix);
            assertSame(merged, "model.layers.3" + suffix, rev, "model.layers.1" + suffix);
            assertSame(merged, "model.layers.5" + suffix, rev, "model.layers.3" + suffix);
            assertSame(merged, "model.embed_tokens.weight", add, "model.embed_tokens.weight");
            assertSame(merged, "lm_head.weight", rev, "lm_head.weight");
            assertThat(merged.info("model.layers.5" + suffix).dtype()).isEqualTo(DType.F32);
            assertThat(merged.tensorNames().stream().filter(n -> n.startsWith("model.layers.")).count())
                    .isEqualTo(6 * 9);
        }
    }

    @Test
    void vlmLanguageModelGainsAnExpertsTaskVector() throws Exception {
        Path out = dir.resolve("vlm-add");
        assertThat(merge(recipe("""
                merge_method: task_arithmetic
                base_model: %s
                models:
                  - model: %s
                    parameters: {weight: 1.0}
                  - model: %s
                    parameters: {weight: 1.0}
                dtype: float32
                """.formatted(zoo("base"), zoo("vlm"), zoo("expert-add"))), out)).as(() -> lastError).isZero();
        assertThat(maxDifference(out, Zoo.model("merges/vlm_task_arithmetic_add"))).isLessThan(1e-6);
        try (ModelFolder folder = ModelFolder.open(out)) {
            assertThat(folder.isVisionLanguage()).isTrue();
            Set<Submodule> parts = folder.weights().tensorNames().stream()
                    .map(n -> TensorName.parse(n).submodule()).collect(Collectors.toSet());
            assertThat(parts).containsExactlyInAnyOrder(Submodule.LANGUAGE_MODEL, Submodule.VISION_TOWER,
                    Submodule.PROJECTOR);
        }
        assertThat(out.resolve("preprocessor_config.json")).exists();
        assertThat(out.resolve("processor_config.json")).exists();
    }

    @Test
    void chatTemplateLandsInTokenizerConfig() throws Exception {
        Path out = dir.resolve("chat");
        assertThat(merge(recipe("""
                merge_method: linear
                models:
                  - model: %s
                  - model: %s
                parameters: {weight: 1.0}
                chat_template: "{%% for m in messages %%}{{ m.content }}{%% endfor %%}"
                """.formatted(zoo("expert-add"), zoo("expert-rev"))), out)).as(() -> lastError).isZero();
        assertThat(json(out.resolve("tokenizer_config.json")).get("chat_template").asText())
                .isEqualTo("{% for m in messages %}{{ m.content }}{% endfor %}");
        try (Checkpoint c = Checkpoint.open(out)) {
            assertThat(c.info("lm_head.weight").dtype()).isEqualTo(DType.BF16);
        }
    }

    @Test
    void existingOutputIsKeptUnlessForced() throws Exception {
        Path recipe = recipe("""
                merge_method: linear
                models: [{model: %s}, {model: %s}]
                parameters: {weight: 0.5}
                """.formatted(zoo("expert-add"), zoo("expert-rev")));
        Path out = dir.resolve("taken");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "mine");
        assertThat(merge(recipe, out)).isNotZero();
        assertThat(out.resolve("keep.txt")).hasContent("mine");
        assertThat(merge(recipe, out, "--force")).as(() -> lastError).isZero();
        assertThat(out.resolve("keep.txt")).doesNotExist();
        assertThat(out.resolve("model.safetensors")).exists();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void failuresLeaveNoOutputBehind() throws Exception {
        List<String> badRecipes = List.of(
                "merge_method: ties\nbase_model: %s\nmodels:\n  - model: %s\n    parameters: {weight: 1, density: 1.5}\n"
                        .formatted(zoo("base"), zoo("expert-add")),
                "merge_method: linear\nmodels: [{model: %s}, {model: %s/missing}]\n".formatted(zoo("base"), dir),
                "merge_method: passthrough\nslices:\n  - sources: [{model: %s, layer_range: [2, 6]}]\n"
                        .formatted(zoo("base")),
                "merge_method: linear\nmodels: [{model: %s}, {model: %s}]\n".formatted(zoo("base"), zoo("vlm"))
                        .replace("linear", "lineer"));
        for (String bad : badRecipes) {
            Path out = dir.resolve("never");
            assertThat(merge(recipe(bad), out)).as(bad).isNotZero();
            assertThat(out).as(bad).doesNotExist();
        }
        assertThat(leftovers()).isEmpty();
    }

    /** Hidden staging folders left next to the outputs. */
    private List<Path> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".")).toList();
        }
    }
}
