package dev.crucible.plan;

import dev.crucible.error.CrucibleException;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.safetensors.Zoo;
import dev.crucible.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class MergePlannerTest {

    private static MergePlan plan(String yaml) {
        return MergePlanner.plan(recipe(yaml));
    }

    private static Recipe recipe(String yaml) {
        return RecipeParser.parse(yaml, Zoo.root());
    }

    private static Map<String, PlannedTensor> byName(MergePlan plan) {
        return plan.tensors().stream().collect(Collectors.toMap(t -> t.output().name(), Function.identity()));
    }

    private static double weight(PlannedTensor t, int model) {
        return t.params().model(model, "weight", Double.NaN);
    }

    @Test
    void modelsRecipeMergesEveryTensorOfTheBaseLayout() {
        MergePlan plan = plan("""
                merge_method: task_arithmetic
                base_model: base
                models:
                  - {model: expert-add, parameters: {weight: 1.0}}
                  - {model: expert-rev, parameters: {weight: 0.5}}
                """);
        assertThat(plan.tensors()).hasSize(2 + 1 + 4 * 9);
        assertThat(plan.tensors().getFirst().output().name()).isEqualTo("model.embed_tokens.weight");
        PlannedTensor q = byName(plan).get("model.layers.2.self_attn.q_proj.weight");
        assertThat(q.base()).isEqualTo(new SourceRef("base", "model.layers.2.self_attn.q_proj.weight"));
        assertThat(q.sources()).extracting(SourceRef::model).containsExactly("expert-add", "expert-rev");
        assertThat(weight(q, 1)).isEqualTo(0.5);
        assertThat(q.output().dtype()).isEqualTo(DType.BF16);
        assertThat(plan.config().get("num_hidden_layers").asInt()).isEqualTo(4);
        assertThat(plan.tokenizerSource()).isEqualTo(Zoo.root().resolve("base").toAbsolutePath().normalize());
    }

    @Test
    void linearAveragesAListedBaseModelLikeAnyOtherModel() {
        MergePlan plan = plan("""
                merge_method: linear
                base_model: base
                models:
                  - {model: base, parameters: {weight: 0.25}}
                  - {model: expert-add, parameters: {weight: 0.75}}
                """);
        PlannedTensor q = byName(plan).get("model.layers.0.self_attn.q_proj.weight");
        assertThat(q.base()).isNull();
        assertThat(q.sources()).extracting(SourceRef::model).containsExactly("base", "expert-add");
        assertThat(weight(q, 0)).isEqualTo(0.25);
    }

    @Test
    void gradientsFollowLayerPositionsAndEveryTensorOutsideTheLayersTakesTheStart() {
        Map<String, PlannedTensor> t = byName(plan("""
                merge_method: linear
                models:
                  - {model: expert-add, parameters: {weight: [0.0, 1.0]}}
                  - {model: expert-rev, parameters: {weight: 1.0}}
                """));
        for (int layer = 0; layer < 4; layer++) {
            assertThat(weight(t.get("model.layers." + layer + ".mlp.up_proj.weight"), 0))
                    .isCloseTo(layer / 3.0, within(1e-12));
        }
        // mergekit >= 0.1.2 (plan.py, plan_module): pre and post weights read parameters at t = 0.
        assertThat(weight(t.get("model.embed_tokens.weight"), 0)).isEqualTo(0.0);
        assertThat(weight(t.get("model.norm.weight"), 0)).isEqualTo(0.0);
        assertThat(weight(t.get("lm_head.weight"), 0)).isEqualTo(0.0);
    }

    @Test
    void perModelFiltersMatchTheInputLayerNameAndGlobalOnesTheOutputName() {
        Map<String, PlannedTensor> t = byName(plan("""
                merge_method: ties
                base_model: base
                parameters:
                  density: [{filter: layers.2., value: 0.25}, {value: 1.0}]
                  lambda: [{filter: layers.0., value: 0.5}, {value: 1.0}]
                slices:
                  - sources:
                      - {model: base, layer_range: [2, 4]}
                      - model: expert-add
                        layer_range: [2, 4]
                        parameters: {weight: [{filter: layers.2., value: 0.5}, {value: 1.0}]}
                """));
        PlannedTensor first = t.get("model.layers.0.mlp.up_proj.weight");
        assertThat(first.sources()).containsExactly(new SourceRef("expert-add", "model.layers.2.mlp.up_proj.weight"));
        assertThat(weight(first, 0)).isEqualTo(0.5);
        assertThat(first.params().model(0, "density", -1)).isEqualTo(0.25);
        assertThat(first.params().global("lambda", -1)).isEqualTo(0.5);
        PlannedTensor second = t.get("model.layers.1.mlp.up_proj.weight");
        assertThat(weight(second, 0)).isEqualTo(1.0);
        assertThat(second.params().model(0, "density", -1)).isEqualTo(1.0);
        assertThat(second.params().global("lambda", -1)).isEqualTo(1.0);
    }

    @Test
    void twoVlmsMergeTheirVisionTowersWithLayerPositionsAndTheProjectorAtTheStart(@TempDir Path dir)
            throws Exception {
        Path other = Files.createDirectories(dir.resolve("vlm2"));
        try (var files = Files.list(Zoo.model("vlm"))) {
            for (Path f : files.toList()) {
                Files.copy(f, other.resolve(f.getFileName()));
            }
        }
        Map<String, PlannedTensor> t = byName(MergePlanner.plan(RecipeParser.parse("""
                merge_method: linear
                models:
                  - {model: %s, parameters: {weight: [0.0, 1.0]}}
                  - {model: vlm2, parameters: {weight: 1.0}}
                """.formatted(Zoo.model("vlm")), dir)));
        PlannedTensor layer1 = t.get("vision_tower.vision_model.encoder.layers.1.mlp.fc1.weight");
        assertThat(layer1.method()).isEqualTo("linear");
        assertThat(layer1.sources()).extracting(SourceRef::model).containsExactly(Zoo.model("vlm").toString(), "vlm2");
        // the zoo's CLIP tower has two layers: layer 0 at t = 0, layer 1 at t = 1
        assertThat(weight(layer1, 0)).isEqualTo(1.0);
        assertThat(weight(t.get("vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight"), 0)).isEqualTo(0.0);
        assertThat(weight(t.get("multi_modal_projector.linear_2.weight"), 0)).isEqualTo(0.0);
        assertThat(weight(t.get("vision_tower.vision_model.post_layernorm.weight"), 0)).isEqualTo(0.0);
        assertThat(t.get("multi_modal_projector.linear_2.weight").method()).isEqualTo("linear");
    }

    @Test
    void perSourceBeatsSliceBeatsTopLevelAndUnmatchedFiltersFallThrough() {
        Map<String, PlannedTensor> t = byName(plan("""
                merge_method: passthrough
                parameters:
                  scale:
                    - {filter: mlp, value: 0.1}
                slices:
                  - sources: [{model: base, layer_range: [0, 1]}]
                  - sources: [{model: base, layer_range: [1, 2]}]
                    parameters: {scale: 0.2}
                  - sources: [{model: base, layer_range: [2, 3], parameters: {scale: 0.3}}]
                    parameters: {scale: 0.2}
                """));
        assertThat(t.get("model.layers.0.mlp.up_proj.weight").params().model(0, "scale", -1)).isEqualTo(0.1);
        assertThat(t.get("model.layers.0.self_attn.q_proj.weight").params().hasModel(0, "scale")).isFalse();
        assertThat(t.get("model.layers.1.mlp.up_proj.weight").params().model(0, "scale", -1)).isEqualTo(0.2);
        assertThat(t.get("model.layers.2.mlp.up_proj.weight").params().model(0, "scale", -1)).isEqualTo(0.3);
    }

    @Test
    void slicesCountOutputLayersUpAcrossSlices() {
        MergePlan plan = plan("""
                merge_method: passthrough
                slices:
                  - sources: [{model: expert-add, layer_range: [0, 3]}]
                  - sources: [{model: expert-rev, layer_range: [1, 4]}]
                """);
        Map<String, PlannedTensor> t = byName(plan);
        assertThat(plan.config().get("num_hidden_layers").asInt()).isEqualTo(6);
        assertThat(t.get("model.layers.4.input_layernorm.weight").sources())
                .containsExactly(new SourceRef("expert-rev", "model.layers.2.input_layernorm.weight"));
        assertThat(t.get("model.embed_tokens.weight").sources().getFirst().model()).isEqualTo("expert-add");
        assertThat(t.get("lm_head.weight").sources().getFirst().model()).isEqualTo("expert-rev");
        assertThat(t).doesNotContainKey("model.layers.6.input_layernorm.weight");
    }

    @Test
    void vlmLayoutWinsAndItsVisionPartsAreCopied() {
        MergePlan plan = plan("""
                merge_method: task_arithmetic
                base_model: base
                models:
                  - {model: vlm, parameters: {weight: 1.0}}
                  - {model: expert-add, parameters: {weight: 1.0}}
                """);
        Map<String, PlannedTensor> t = byName(plan);
        PlannedTensor q = t.get("language_model.model.layers.1.self_attn.q_proj.weight");
        assertThat(q.base()).isEqualTo(new SourceRef("base", "model.layers.1.self_attn.q_proj.weight"));
        assertThat(q.sources()).containsExactly(
                new SourceRef("vlm", "language_model.model.layers.1.self_attn.q_proj.weight"),
                new SourceRef("expert-add", "model.layers.1.self_attn.q_proj.weight"));
        PlannedTensor projector = t.get("multi_modal_projector.linear_1.weight");
        assertThat(projector.method()).isEqualTo("passthrough");
        assertThat(projector.sources()).containsExactly(new SourceRef("vlm", "multi_modal_projector.linear_1.weight"));
        assertThat(t).containsKey("language_model.lm_head.weight").doesNotContainKey("lm_head.weight");
        assertThat(plan.config().get("model_type").asText()).isEqualTo("llava");
        assertThat(plan.config().get("text_config").get("num_hidden_layers").asInt()).isEqualTo(4);
        assertThat(plan.layoutModel()).isEqualTo(Zoo.root().resolve("vlm").toAbsolutePath().normalize());
        assertThat(plan.tokenizerSource()).isEqualTo(plan.layoutModel());
    }

    @Test
    void outputDtypeIsOutDtypeElseDtypeElseTheBases() {
        String models = "models:\n  - {model: expert-rev, parameters: {weight: 1}}\n  - {model: expert-add, parameters: {weight: 1}}\n";
        assertThat(plan("merge_method: linear\n" + models).outDtype()).isEqualTo(DType.F16);
        assertThat(plan("merge_method: linear\nbase_model: base\n" + models).outDtype()).isEqualTo(DType.BF16);
        assertThat(plan("merge_method: linear\ndtype: float32\n" + models).outDtype()).isEqualTo(DType.F32);
        MergePlan both = plan("merge_method: linear\ndtype: float32\nout_dtype: float16\n" + models);
        assertThat(both.outDtype()).isEqualTo(DType.F16);
        assertThat(both.config().get("torch_dtype").asText()).isEqualTo("float16");
    }

    @Test
    void differentLayerCountsAreRefused(@TempDir Path dir) throws Exception {
        // The base's weights under a config that claims six layers.
        Path six = Files.createDirectories(dir.resolve("six"));
        Files.createSymbolicLink(six.resolve("model.safetensors"), Zoo.model("base").resolve("model.safetensors"));
        Files.writeString(six.resolve("config.json"), Files.readString(Zoo.model("base").resolve("config.json"))
                .replace("\"num_hidden_layers\": 4", "\"num_hidden_layers\": 6"));
        assertThatThrownBy(() -> MergePlanner.plan(RecipeParser.parse(
                "merge_method: linear\nmodels:\n  - {model: %s, parameters: {weight: 1}}\n  - {model: six, parameters: {weight: 1}}\n"
                        .formatted(Zoo.model("base")), dir)))
                .isInstanceOf(CrucibleException.class)
                .hasMessage("models with different layer counts: " + Zoo.model("base") + " has 4, six has 6");
    }

    @Test
    void layerRangeBeyondTheModelIsRefused() {
        assertThatThrownBy(() -> plan("""
                merge_method: passthrough
                slices:
                  - sources: [{model: base, layer_range: [0, 2]}]
                  - sources: [{model: expert-rev, layer_range: [1, 5]}]
                """)).isInstanceOf(CrucibleException.class)
                .hasMessage("slices[1].sources[0].layer_range: [1, 5) is out of bounds: expert-rev has 4 layers");
    }

    @Test
    void baseMustBeASourceOfEverySliceForTaskVectorMethods() {
        assertThatThrownBy(() -> plan("""
                merge_method: task_arithmetic
                base_model: base
                slices:
                  - sources:
                      - {model: base, layer_range: [0, 2]}
                      - {model: expert-add, layer_range: [0, 2], parameters: {weight: 1}}
                  - sources:
                      - {model: expert-rev, layer_range: [2, 4], parameters: {weight: 1}}
                """)).isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("slices[1].sources: base model base must be one of the sources of every slice");
    }

    @Test
    void hubIdsAreExplainedAsOffline() {
        assertThatThrownBy(() -> plan("""
                merge_method: linear
                models:
                  - {model: base, parameters: {weight: 1}}
                  - {model: mistralai/Mistral-7B-v0.1, parameters: {weight: 1}}
                """)).isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("models[1].model: 'mistralai/Mistral-7B-v0.1' is a hub id, not a local folder")
                .hasMessageEndingWith("; offline: download the model and use a local folder");
    }

    @Test
    void revisionsAreExplainedAsOfflineNamingTheField() {
        assertThatThrownBy(() -> plan("""
                merge_method: ties
                base_model: mistralai/Mistral-7B-v0.1@refs/pr/12
                models:
                  - {model: expert-add, parameters: {weight: 1, density: 0.5}}
                """)).isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("base_model: 'mistralai/Mistral-7B-v0.1@refs/pr/12' names revision 'refs/pr/12'"
                        + " of a hub model, not a local folder")
                .hasMessageEndingWith("; offline: download the model and use a local folder");
        assertThatThrownBy(() -> plan("""
                merge_method: linear
                slices:
                  - sources:
                      - {model: base, layer_range: [0, 4], parameters: {weight: 1}}
                      - {model: ./expert-add@v2, layer_range: [0, 4], parameters: {weight: 1}}
                """)).isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("slices[0].sources[1].model: './expert-add@v2' names revision 'v2'")
                .hasMessageNotContaining("\n");
    }

    @Test
    void missingFoldersAreNamedByField() {
        assertThatThrownBy(() -> plan("""
                merge_method: ties
                base_model: ./no-such-base
                models:
                  - {model: expert-add, parameters: {weight: 1, density: 0.5}}
                """)).isInstanceOf(CrucibleException.class)
                .hasMessage("base_model: model folder not found: " + Zoo.root().toAbsolutePath().normalize()
                        .resolve("no-such-base"));
    }

    @Test
    void methodParameterRangesAreCheckedForEveryResolvedSet() {
        assertThatThrownBy(() -> plan("""
                merge_method: ties
                base_model: base
                models:
                  - model: expert-add
                    parameters:
                      weight: 1
                      density: [{filter: layers.3.mlp, value: 1.5}, {value: 0.5}]
                """)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("density")
                .hasMessageEndingWith("(at tensor model.layers.3.mlp.down_proj.weight)");
    }

    @Test
    void taskVectorBaseTakesDeltasAgainstTheOldBaseAndRebasesOntoTheNew() {
        MergePlan plan = plan("""
                merge_method: task_arithmetic
                base_model: base-v2
                task_vector_base: base
                models:
                  - {model: expert-add, parameters: {weight: 1.0}}
                """);
        assertThat(plan.models()).containsOnlyKeys("base-v2", "base", "expert-add");
        PlannedTensor norm = byName(plan).get("model.norm.weight");
        assertThat(norm.base()).isEqualTo(new SourceRef("base", "model.norm.weight"));
        assertThat(norm.rebaseOnto()).isEqualTo(new SourceRef("base-v2", "model.norm.weight"));
        assertThat(norm.sources()).containsExactly(new SourceRef("expert-add", "model.norm.weight"));
    }
}
