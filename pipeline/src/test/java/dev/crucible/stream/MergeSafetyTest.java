package dev.crucible.stream;

import dev.crucible.error.CrucibleException;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.Zoo;
import dev.crucible.tensor.TensorInfo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code crucible merge} never loses an input and never writes a silently wrong model: the output may not be,
 * hold or lie inside an input; non-finite values, mixed architectures, mixed vocabularies in a frankenmerge and a
 * {@code layer_range} beyond int are refused with one line.
 */
class MergeSafetyTest {

    @TempDir
    Path dir;

    private Path models;
    private String err = "";

    @BeforeEach
    void copyModels() throws IOException {
        models = dir.resolve("models");
        ModelCopies.copy(Zoo.model("base"), models.resolve("base"));
        ModelCopies.copy(Zoo.model("expert-add"), models.resolve("expert-add"));
    }

    /** Runs the merge command with the CLI's error handling: a CrucibleException is one line, exit code 2. */
    private int merge(String... args) {
        MergeCli run = MergeCli.run(args);
        err = run.err();
        return run.code();
    }

    private Path recipe(String yaml) throws IOException {
        Path file = dir.resolve("recipe.yml");
        Files.writeString(file, yaml);
        return file;
    }

    private Path taskArithmetic() throws IOException {
        return recipe("""
                merge_method: task_arithmetic
                base_model: models/base
                models:
                  - model: models/expert-add
                    parameters: {weight: 1.0}
                dtype: bfloat16
                """);
    }

    private void assertOneLineError(String... fragments) {
        assertThat(err.strip()).startsWith("error: ").doesNotContain("\n").contains(fragments);
    }

    @Test
    void forceOntoAnInputModelIsRefusedAndTheInputKept() throws IOException {
        Path recipe = taskArithmetic();
        Map<String, String> before = ModelCopies.fingerprint(models);
        assertThat(merge(recipe.toString(), models.resolve("base").toString(), "--force")).isEqualTo(2);
        assertOneLineError("is the input", "models/base");
        assertThat(ModelCopies.fingerprint(models)).isEqualTo(before);
    }

    @Test
    void forceOntoTheFolderHoldingTheInputsIsRefusedAndTheInputsKept() throws IOException {
        Path recipe = taskArithmetic();
        Map<String, String> before = ModelCopies.fingerprint(models);
        assertThat(merge(recipe.toString(), models.toString(), "--force")).isEqualTo(2);
        assertOneLineError("holds the input");
        assertThat(ModelCopies.fingerprint(models)).isEqualTo(before);
        // The recipe's own folder holds the models and the recipe.
        assertThat(merge(recipe.toString(), dir.toString(), "--force")).isEqualTo(2);
        assertOneLineError("holds the input");
        assertThat(ModelCopies.fingerprint(models)).isEqualTo(before);
        assertThat(recipe).exists();
    }

    @Test
    void forceOntoAFolderInsideAnInputIsRefusedAndTheInputKept() throws IOException {
        Path recipe = taskArithmetic();
        Map<String, String> before = ModelCopies.fingerprint(models);
        assertThat(merge(recipe.toString(), models.resolve("expert-add/merged").toString(), "--force")).isEqualTo(2);
        assertOneLineError("lies inside the input", "models/expert-add");
        assertThat(ModelCopies.fingerprint(models)).isEqualTo(before);
    }

    @Test
    void aSymbolicLinkToAnInputIsRecognised() throws IOException {
        Path recipe = taskArithmetic();
        Path link = Files.createSymbolicLink(dir.resolve("link"), models.resolve("base"));
        Map<String, String> before = ModelCopies.fingerprint(models);
        assertThat(merge(recipe.toString(), link.toString(), "--force")).isEqualTo(2);
        assertOneLineError("is the input");
        Path linkToParent = Files.createSymbolicLink(dir.resolve("all"), models);
        assertThat(merge(recipe.toString(), linkToParent.toString(), "--force")).isEqualTo(2);
        assertOneLineError("holds the input");
        assertThat(ModelCopies.fingerprint(models)).isEqualTo(before);
    }

    @Test
    void aMergeBesideTheInputsStillWorks() throws IOException {
        assertThat(merge(taskArithmetic().toString(), dir.resolve("out").toString())).as(() -> err).isZero();
        assertThat(dir.resolve("out/model.safetensors")).exists();
    }

    @Test
    void theFileSystemRootIsAClearError() throws IOException {
        assertThat(merge(taskArithmetic().toString(), "/")).isEqualTo(2);
        assertOneLineError("root of the file system");
        assertThat(merge(taskArithmetic().toString(), "/", "--force")).isEqualTo(2);
        assertOneLineError("root of the file system");
    }

    @Test
    void aLayerRangeBeyondIntIsRefusedNotWrapped() throws IOException {
        Path recipe = recipe("""
                merge_method: passthrough
                slices:
                  - sources: [{model: models/base, layer_range: [0, 4294967298]}]
                """);
        assertThat(merge(recipe.toString(), dir.resolve("out").toString())).isEqualTo(2);
        assertOneLineError("slices[0].sources[0].layer_range", "4294967298");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void mixedArchitecturesNeedAllowCrimes() throws IOException {
        ModelCopies.editConfig(models.resolve("expert-add"), c -> {
            c.putArray("architectures").add("MistralForCausalLM");
            c.put("model_type", "mistral");
        });
        Path recipe = taskArithmetic();
        assertThat(merge(recipe.toString(), dir.resolve("out").toString())).isEqualTo(2);
        assertOneLineError("different architectures", "LlamaForCausalLM", "MistralForCausalLM", "--allow-crimes");
        assertThat(merge(recipe.toString(), dir.resolve("out").toString(), "--allow-crimes")).as(() -> err).isZero();
    }

    @Test
    void llamaSpellingsMergekitFilesTogetherAreOneArchitecture() throws IOException {
        ModelCopies.editConfig(models.resolve("expert-add"), c -> c.putArray("architectures").add("LLaMaForCausalLM"));
        assertThat(merge(taskArithmetic().toString(), dir.resolve("out").toString())).as(() -> err).isZero();
    }

    @Test
    void aFrankenmergeOfDifferentVocabulariesIsRefused() throws IOException {
        // A copy of base with 16 more token rows in the embedding and the head.
        ModelCopies.rewrite(Zoo.model("base"), models.resolve("wide"), (info, v) ->
                isVocabSized(info) ? Arrays.copyOf(v, v.length + 16 * (int) info.shape()[1]) : v);
        ModelCopies.editConfig(models.resolve("wide"), c -> c.put("vocab_size", 80));
        Path recipe = recipe("""
                merge_method: passthrough
                slices:
                  - sources: [{model: models/base, layer_range: [0, 2]}]
                  - sources: [{model: models/wide, layer_range: [2, 4]}]
                """);
        assertThat(merge(recipe.toString(), dir.resolve("out").toString())).isEqualTo(2);
        assertOneLineError("slices[1].sources[0].model", "80", "64", "same vocabulary");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    private static boolean isVocabSized(TensorInfo info) {
        return info.name().contains("embed_tokens") || info.name().startsWith("lm_head");
    }

    @Test
    void aNaNInAnInputIsRefusedNamingModelAndTensor() throws IOException {
        String poisoned = "model.layers.1.mlp.down_proj.weight";
        ModelCopies.rewrite(Zoo.model("expert-add"), models.resolve("nan"), (info, v) -> {
            if (info.name().equals(poisoned)) {
                v[7] = Float.NaN;
            }
            return v;
        });
        for (String method : new String[] {"task_arithmetic", "ties"}) {
            Path recipe = recipe("""
                    merge_method: %s
                    base_model: models/base
                    models:
                      - model: models/nan
                        parameters: {weight: 1.0, density: 0.5}
                    dtype: bfloat16
                    """.formatted(method));
            assertThat(merge(recipe.toString(), dir.resolve("out").toString())).as(method).isEqualTo(2);
            assertOneLineError("models/nan", poisoned, "NaN", "element 7", "--allow-nonfinite");
            assertThat(dir.resolve("out")).doesNotExist();
        }
        // slerp, whose NaN would spread over the whole tensor, is stopped too.
        Path slerp = recipe("""
                merge_method: slerp
                base_model: models/base
                models:
                  - model: models/base
                  - model: models/nan
                parameters: {t: 0.5}
                """);
        assertThat(merge(slerp.toString(), dir.resolve("out").toString())).isEqualTo(2);
        assertOneLineError("models/nan", poisoned, "NaN");
        assertThat(merge(slerp.toString(), dir.resolve("out").toString(), "--allow-nonfinite")).as(() -> err).isZero();
        try (Checkpoint c = Checkpoint.open(dir.resolve("out"))) {
            float[] merged = c.readFloats(poisoned);
            assertThat(merged).contains(Float.NaN);
        }
    }

    @Test
    void anInfinityCopiedThroughAPassthroughIsRefused() throws IOException {
        ModelCopies.rewrite(Zoo.model("base"), models.resolve("inf"), (info, v) -> {
            if (info.name().equals("model.layers.0.input_layernorm.weight")) {
                v[3] = Float.NEGATIVE_INFINITY;
            }
            return v;
        });
        Path recipe = recipe("""
                merge_method: passthrough
                slices:
                  - sources: [{model: models/inf, layer_range: [0, 4]}]
                """);
        assertThat(merge(recipe.toString(), dir.resolve("out").toString())).isEqualTo(2);
        assertOneLineError("models/inf", "model.layers.0.input_layernorm.weight", "-Inf", "element 3");
    }

    @Test
    void aMergedValueBeyondTheOutputDtypeIsRefused() throws IOException {
        // base + 10^9 * (expert - base): any delta over 10^-4 gives a value beyond float16's 65504.
        Path recipe = recipe("""
                merge_method: task_arithmetic
                base_model: models/base
                models:
                  - model: models/expert-add
                    parameters: {weight: 1.0e9}
                out_dtype: float16
                """);
        assertThat(merge(recipe.toString(), dir.resolve("out").toString())).isEqualTo(2);
        assertOneLineError("merged tensor", "beyond the range of F16");
        assertThat(dir.resolve("out")).doesNotExist();
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".out."));
        }
    }
}
