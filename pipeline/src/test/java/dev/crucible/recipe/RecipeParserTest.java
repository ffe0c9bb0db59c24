package dev.crucible.recipe;

import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecipeParserTest {

    private static final Path DIR = Path.of("/recipes");

    private static Recipe parse(String yaml) {
        return RecipeParser.parse(yaml, DIR);
    }

    private static void fails(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(CrucibleException.class).hasMessage(message);
    }

    @Test
    void readsEveryTopLevelField() {
        Recipe r = parse("""
                merge_method: ties
                base_model: ../zoo/base
                task_vector_base: ../zoo/base-old
                models:
                  - model: ../zoo/expert-add
                    parameters: {weight: 1, density: 0.5}
                  - model: /abs/expert-rev
                    parameters:
                      weight: [1.0, 0.5]
                      density:
                        - filter: mlp
                          value: 0.3
                        - value: 0.7
                parameters:
                  normalize: false
                  lambda: 0.9
                dtype: float32
                out_dtype: bfloat16
                tokenizer_source: base
                chat_template: "{{ messages }}"
                """);
        assertThat(r.mergeMethod()).isEqualTo("ties");
        assertThat(r.baseModel()).isEqualTo("../zoo/base");
        assertThat(r.taskVectorBase()).isEqualTo("../zoo/base-old");
        assertThat(r.dtype()).isEqualTo(DType.F32);
        assertThat(r.outDtype()).isEqualTo(DType.BF16);
        assertThat(r.tokenizerSource()).isEqualTo("base");
        assertThat(r.chatTemplate()).isEqualTo("{{ messages }}");
        assertThat(r.parameters()).containsEntry("normalize", new ParameterValue.Scalar(false))
                .containsEntry("lambda", ParameterValue.Scalar.of(0.9));
        assertThat(r.models()).hasSize(2);
        assertThat(r.models().get(0).parameters()).containsEntry("weight", ParameterValue.Scalar.of(1.0));
        assertThat(r.models().get(1).parameters().get("weight"))
                .isEqualTo(new ParameterValue.Gradient(List.of(1.0, 0.5)));
        assertThat(r.models().get(1).parameters().get("density")).isEqualTo(new ParameterValue.FilterRules(List.of(
                new FilterRule("mlp", ParameterValue.Scalar.of(0.3)), new FilterRule(null, ParameterValue.Scalar.of(0.7)))));
        assertThat(r.slices()).isEmpty();
        assertThat(r.referencedModels()).containsExactly("../zoo/base", "../zoo/base-old", "../zoo/expert-add",
                "/abs/expert-rev");
    }

    @Test
    void resolvesModelPathsAgainstTheRecipeFolder(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub").resolve("r.yml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "merge_method: linear\nmodels:\n  - model: ../a\n  - model: /abs/b\n");
        Recipe r = RecipeParser.parse(file);
        assertThat(r.resolve("../a")).isEqualTo(dir.resolve("a").toAbsolutePath());
        assertThat(r.resolve("/abs/b")).isEqualTo(Path.of("/abs/b"));
    }

    @Test
    void readsSlicesWithPerSourceAndSliceParameters() {
        Recipe r = parse("""
                merge_method: passthrough
                slices:
                  - sources:
                      - model: a
                        layer_range: [0, 3]
                        parameters: {scale: 0.5}
                  - sources:
                      - model: b
                        layer_range: [1, 4]
                    parameters:
                      scale: [1.0, 0.0]
                """);
        assertThat(r.usesSlices()).isTrue();
        assertThat(r.slices()).hasSize(2);
        SliceSource first = r.slices().get(0).sources().get(0);
        assertThat(first.model()).isEqualTo("a");
        assertThat(first.layerRange()).containsExactly(0, 3);
        assertThat(first.parameters()).containsEntry("scale", ParameterValue.Scalar.of(0.5));
        assertThat(r.slices().get(1).parameters().get("scale"))
                .isEqualTo(new ParameterValue.Gradient(List.of(1.0, 0.0)));
        assertThat(r.slices().get(1).length()).isEqualTo(3);
    }

    @Test
    void unknownMethodSuggestsTheClosestName() {
        fails("merge_method: dare-ties\nbase_model: b\nmodels: [{model: a}]\n",
                "merge_method: unknown method 'dare-ties'; did you mean 'dare_ties'?");
    }

    @Test
    void methodThatNeedsABaseRefusesARecipeWithout() {
        fails("merge_method: ties\nmodels: [{model: a}]\n",
                "base_model: ties needs a base model; add base_model: <folder of the model the others were fine-tuned from>");
    }

    @Test
    void unionTokenizerSourceIsAccepted() {
        Recipe r = parse("merge_method: linear\nmodels: [{model: a}]\ntokenizer_source: union\n");
        assertThat(r.tokenizerSettings()).isEqualTo(TokenizerSettings.ofSource("union"));
        assertThat(parse("merge_method: linear\nmodels: [{model: a}]\n").tokenizerSettings()).isNull();
    }

    @Test
    void tokenizerBlockReadsSourceTokensAndPadding() {
        Recipe r = parse("""
                merge_method: linear
                models: [{model: a}, {model: b}]
                tokenizer:
                  tokens:
                    <|im_start|>:
                      source: b
                    <|eot_id|>: {source: a, force: true}
                    <|renamed|>:
                      source: {kind: model_token, model: b, token: "<s>"}
                    <|by_id|>:
                      source: {kind: model_token, model: a, token_id: 7}
                    <|unused|>: {source: {kind: zero}}
                  pad_to_multiple_of: 64
                """);
        TokenizerSettings t = r.tokenizerSettings();
        assertThat(t.source()).isEqualTo("union");
        assertThat(t.padToMultipleOf()).isEqualTo(64);
        assertThat(t.tokens()).containsExactly(
                java.util.Map.entry("<|im_start|>", new TokenEmbedding(new EmbeddingSource.FromModel("b"), false)),
                java.util.Map.entry("<|eot_id|>", new TokenEmbedding(new EmbeddingSource.FromModel("a"), true)),
                java.util.Map.entry("<|renamed|>", new TokenEmbedding(
                        new EmbeddingSource.ModelToken("b", null, "<s>"), false)),
                java.util.Map.entry("<|by_id|>", new TokenEmbedding(
                        new EmbeddingSource.ModelToken("a", 7, null), false)),
                java.util.Map.entry("<|unused|>", new TokenEmbedding(new EmbeddingSource.Zero(), false)));
    }

    @Test
    void tokenizerBlockMistakesNameTheirField() {
        String head = "merge_method: linear\nmodels: [{model: a}]\n";
        fails(head + "tokenizer_source: base\ntokenizer: {source: base}\n",
                "tokenizer_source, tokenizer: give one of them, not both "
                        + "(tokenizer: {source: ...} is the newer form of tokenizer_source)");
        fails(head + "tokenizer: {pad_to_multiple_of: 0}\n",
                "tokenizer.pad_to_multiple_of: expected a whole number >= 1, got 0");
        fails(head + "tokenizer: {tokens: {x: {force: true}}}\n",
                "tokenizer.tokens.x.source: missing; give a model folder, "
                        + "{kind: model_token, model: MODEL, token: TEXT | token_id: N} or {kind: zero}");
        fails(head + "tokenizer: {tokens: {x: {source: {kind: model_token, model: a, token: y, token_id: 1}}}}\n",
                "tokenizer.tokens.x.source: give exactly one of token_id and token");
        fails(head + "tokenizer: {tokens: {x: {source: {kind: mean}}}}\n",
                "tokenizer.tokens.x.source.kind: expected model_token or zero, got \"mean\"");
        fails(head + "tokenizer: {source: union, pad: 8}\n",
                "tokenizer: unknown key pad; allowed: pad_to_multiple_of, source, tokens");
    }

    @Test
    void unknownTopLevelKeysAreNamed() {
        assertThatThrownBy(() -> parse("merge_method: linear\nmodels: [{model: a}]\nout_path: x\nnmae: y\n"))
                .isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("recipe: unknown keys nmae, out_path; known keys are ");
    }

    @Test
    void layerRangeErrorsNameTheField() {
        fails("""
                merge_method: passthrough
                slices:
                  - sources: [{model: a, layer_range: [0, 2]}]
                  - sources: [{model: b, layer_range: [3, 1]}]
                """, "slices[1].sources[0].layer_range: expected [start, end) with 0 <= start < end, got [3, 1]");
        fails("""
                merge_method: passthrough
                slices:
                  - sources: [{model: a, layer_range: [0, x]}]
                """, "slices[0].sources[0].layer_range: expected two whole numbers [start, end), got [0,\"x\"]");
        fails("""
                merge_method: passthrough
                slices:
                  - sources: [{model: a}]
                """, "slices[0].sources[0].layer_range: missing; give [start, end) like [0, 4]");
    }

    @Test
    void sourcesOfOneSliceMustCoverEqualLayerCounts() {
        fails("""
                merge_method: linear
                slices:
                  - sources:
                      - {model: a, layer_range: [0, 2]}
                      - {model: b, layer_range: [0, 3]}
                """, "slices[0].sources[1].layer_range: covers 3 layers but slices[0].sources[0] covers 2;"
                + " every source of a slice must cover the same number of layers");
    }

    @Test
    void passthroughTakesOneSourcePerSlice() {
        fails("""
                merge_method: passthrough
                slices:
                  - sources:
                      - {model: a, layer_range: [0, 2]}
                      - {model: b, layer_range: [0, 2]}
                """, "slices[0].sources: passthrough takes exactly one source per slice, got 2");
    }

    @Test
    void unknownParameterIsNamedWithTheKnownOnes() {
        assertThatThrownBy(() -> parse("merge_method: ties\nbase_model: b\nmodels:\n  - model: a\n"
                + "    parameters: {weight: 1, densty: 0.5}\n"))
                .isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("models[0].parameters.densty: ties has no parameter 'densty'; known: ")
                .hasMessageContaining("density");
    }

    @Test
    void globalParameterUnderAModelIsRefused() {
        fails("merge_method: ties\nbase_model: b\nmodels:\n  - model: a\n    parameters: {weight: 1, normalize: true}\n",
                "models[0].parameters.normalize: 'normalize' is a global parameter of ties;"
                        + " set it under the top-level or slice parameters");
    }

    @Test
    void badParameterValuesNameTheField() {
        assertThatThrownBy(() -> parse("merge_method: linear\nmodels:\n  - model: a\n    parameters: {weight: heavy}\n"))
                .isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("models[0].parameters.weight: expected a number, true/false, a list of numbers");
        fails("merge_method: linear\nmodels:\n  - model: a\n    parameters:\n      weight: [{filter: mlp}]\n",
                "models[0].parameters.weight[0].value: missing; a filter rule needs a value");
    }

    @Test
    void modelsAndSlicesAreExclusive() {
        fails("merge_method: linear\n", "models: missing; list the models to merge (or give slices:)");
        assertThatThrownBy(() -> parse("merge_method: linear\nmodels: [{model: a}]\n"
                + "slices: [{sources: [{model: a, layer_range: [0, 1]}]}]\n"))
                .isInstanceOf(CrucibleException.class).hasMessageStartingWith("models, slices: give one of them");
    }

    @Test
    void missingModelIsNamed() {
        fails("merge_method: linear\nmodels:\n  - parameters: {weight: 1}\n",
                "models[0].model: missing; give the model's folder");
    }

    @Test
    void unknownDtypeIsNamed() {
        assertThatThrownBy(() -> parse("merge_method: linear\nmodels: [{model: a}]\nout_dtype: float12\n"))
                .isInstanceOf(CrucibleException.class).hasMessageStartingWith("out_dtype: unknown dtype 'float12'");
    }

    @Test
    void invalidYamlSaysWhereInOneLine() {
        assertThatThrownBy(() -> parse("merge_method: linear\nmodels: [{model: a\n"))
                .isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("recipe: not valid YAML: ")
                .hasMessageNotContaining("\n");
    }

    @Test
    void missingRecipeFileIsNamed(@TempDir Path dir) {
        Path file = dir.resolve("nope.yml");
        assertThatThrownBy(() -> RecipeParser.parse(file)).isInstanceOf(CrucibleException.class)
                .hasMessage(file + ": recipe file not found");
    }
}
