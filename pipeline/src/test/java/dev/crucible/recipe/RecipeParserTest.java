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
                chat_template: "{{ messages[0].content }}"
                """);
        assertThat(r.mergeMethod()).isEqualTo("ties");
        assertThat(r.baseModel()).isEqualTo("../zoo/base");
        assertThat(r.taskVectorBase()).isEqualTo("../zoo/base-old");
        assertThat(r.dtype()).isEqualTo(DType.F32);
        assertThat(r.outDtype()).isEqualTo(DType.BF16);
        assertThat(r.tokenizerSource()).isEqualTo("base");
        assertThat(r.chatTemplate()).isEqualTo("{{ messages[0].content }}");
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
                "tokenizer.pad_to_multiple_of: must be at least 1, got 0");
        fails(head + "tokenizer: {tokens: {x: {force: true}}}\n",
                "tokenizer.tokens.x.source: missing; give a model folder, "
                        + "{kind: model_token, model: MODEL, token: TEXT | token_id: N} or {kind: zero}");
        fails(head + "tokenizer: {tokens: {x: {source: {kind: model_token, model: a, token: y, token_id: 1}}}}\n",
                "tokenizer.tokens.x.source: give exactly one of token_id and token");
        fails(head + "tokenizer: {tokens: {x: {source: {kind: mean}}}}\n",
                "tokenizer.tokens.x.source.kind: expected model_token or zero, got \"mean\"");
        fails(head + "tokenizer: {source: union, pad: 8}\n",
                "tokenizer.pad: unknown key; known keys of tokenizer are pad_to_multiple_of, source, tokens");
    }

    @Test
    void unknownTopLevelKeysAreNamed() {
        assertThatThrownBy(() -> parse("merge_method: linear\nmodels: [{model: a}]\nout_path: x\nnmae: y\n"))
                .isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("nmae, out_path: unknown keys; known keys are ");
    }

    @Test
    void aMisspeltKeySuggestsTheKnownOne() {
        assertThatThrownBy(() -> parse("merge_method: linear\nmodels: [{model: a, paramters: {weight: 1}}]\n"))
                .isInstanceOf(CrucibleException.class)
                .hasMessage("models[0].paramters: unknown key; did you mean 'parameters'? "
                        + "known keys of models[0] are model, parameters");
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
                .hasMessage("models[0].parameters.densty: ties has no parameter 'densty'; did you mean 'density'? "
                        + "(known: density, weight)");
        assertThatThrownBy(() -> parse("merge_method: slerp\nbase_model: b\nmodels: [{model: a}, {model: b}]\n"
                + "parameters: {tt: 0.5, zzzzzz: 1}\n"))
                .isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("parameters.tt: slerp has no parameter 'tt'; did you mean 't'?");
        assertThatThrownBy(() -> parse("merge_method: slerp\nbase_model: b\nmodels: [{model: a}, {model: b}]\n"
                + "parameters: {t: 0.5, zzzzzz: 1}\n"))
                .isInstanceOf(CrucibleException.class)
                .hasMessage("parameters.zzzzzz: slerp has no parameter 'zzzzzz'; known: t");
    }

    @Test
    void parametersOfOtherMethodsAreIgnoredWithAOneLineWarning() {
        try (LogCapture log = LogCapture.of(RecipeParser.class)) {
            // mergekit's tests/test_basic_merges.py sets weight on every slerp model; mergekit ignores it.
            Recipe r = parse("""
                    merge_method: slerp
                    base_model: a
                    models:
                      - {model: a, parameters: {weight: 0.5}}
                      - {model: b, parameters: {weight: 0.5, density: 0.3}}
                    parameters: {t: 0.35}
                    """);
            assertThat(r.models()).allSatisfy(m -> assertThat(m.parameters()).isEmpty());
            assertThat(r.parameters()).containsOnlyKeys("t");
            // which methods are listed grows with the registry: check the start and the end of each line
            List<String> lines = log.lines();
            assertThat(lines).hasSize(3);
            assertThat(lines.get(0)).startsWith("models[0].parameters.weight: slerp does not use 'weight' "
                    + "(a parameter of linear, nuslerp, multislerp, task_arithmetic, ties, ");
            assertThat(lines.get(1)).startsWith("models[1].parameters.weight: slerp does not use 'weight' ");
            assertThat(lines.get(2)).startsWith("models[1].parameters.density: slerp does not use 'density' "
                    + "(a parameter of task_arithmetic, ties, ");
            assertThat(lines).allSatisfy(l -> assertThat(l).endsWith("); ignored, as mergekit ignores it")
                    .doesNotContain("\n"));
        }
    }

    @Test
    void globalParameterUnderAModelIsIgnoredWithAWarningAsMergekitReadsGlobalsWithoutAModel() {
        try (LogCapture log = LogCapture.of(RecipeParser.class)) {
            Recipe r = parse("merge_method: ties\nbase_model: b\nmodels:\n  - model: a\n"
                    + "    parameters: {weight: 1, normalize: true}\n");
            assertThat(r.models().getFirst().parameters()).containsOnlyKeys("weight");
            assertThat(log.lines()).containsExactly("models[0].parameters.normalize: 'normalize' is a global "
                    + "parameter of ties; mergekit reads it only from the top-level or slice parameters, so it is "
                    + "ignored here");
        }
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
    void anchorsAliasesAndMergeKeysResolveAsPyYamlReadsThem() {
        Recipe r = parse("""
                base_model: &b ../zoo/base
                merge_method: ties
                defaults: &d {weight: 1.0, density: 0.5}
                models:
                  - model: ../zoo/expert-add
                    parameters: *d
                  - model: ../zoo/expert-rev
                    parameters: {<<: *d, density: 0.7}
                  - model: *b
                """.replace("defaults: &d", "parameters: &d"));
        assertThat(r.baseModel()).isEqualTo("../zoo/base");
        assertThat(r.models().get(2).model()).isEqualTo("../zoo/base");
        assertThat(r.models().get(0).parameters()).containsEntry("density", ParameterValue.Scalar.of(0.5))
                .containsEntry("weight", ParameterValue.Scalar.of(1.0));
        assertThat(r.models().get(1).parameters()).containsEntry("density", ParameterValue.Scalar.of(0.7))
                .containsEntry("weight", ParameterValue.Scalar.of(1.0));
        assertThat(r.parameters()).containsEntry("density", ParameterValue.Scalar.of(0.5));
    }

    @Test
    void aliasExpansionBombIsRefusedInOneLine() {
        StringBuilder yaml = new StringBuilder("merge_method: linear\nmodels: [{model: a}]\nl0: &l0 [x, x, x, x, x, x, x, x, x]\n");
        for (int level = 1; level <= 9; level++) {
            String prev = "*l" + (level - 1);
            yaml.append("l").append(level).append(": &l").append(level).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(9, prev))).append("]\n");
        }
        assertThatThrownBy(() -> parse(yaml.toString())).isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("recipe: YAML aliases expand too far (more than 100000 values")
                .hasMessageNotContaining("\n");
    }

    @Test
    void tooManyCollectionAliasesAreRefusedInOneLine() {
        String yaml = "merge_method: linear\nmodels: [{model: a}]\nx: &x [1]\ny: ["
                + String.join(", ", java.util.Collections.nCopies(101, "*x")) + "]\n";
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("recipe: YAML aliases expand too far");
    }

    @Test
    void recursiveAliasIsRefused() {
        fails("merge_method: linear\nmodels: &m [{model: a}, *m]\n",
                "recipe: an alias refers to a mapping or list that contains it; a recipe cannot be recursive");
    }

    @Test
    void missingRecipeFileIsNamed(@TempDir Path dir) {
        Path file = dir.resolve("nope.yml");
        assertThatThrownBy(() -> RecipeParser.parse(file)).isInstanceOf(CrucibleException.class)
                .hasMessage(file + ": recipe file not found");
    }
}
