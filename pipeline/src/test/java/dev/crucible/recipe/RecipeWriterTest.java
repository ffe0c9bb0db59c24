package dev.crucible.recipe;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class RecipeWriterTest {

    private static final Path DIR = Path.of("/recipes");

    @Test
    void modelsRecipeSurvivesARoundTrip() {
        Recipe r = RecipeParser.parse("""
                merge_method: dare_ties
                base_model: ../zoo/base
                models:
                  - model: ../zoo/expert-add
                    parameters:
                      weight: [1.0, 0.8, 0.6]
                      density: 0.6
                  - model: ../zoo/expert-rev
                    parameters:
                      weight:
                        - filter: self_attn
                          value: 0.9
                        - value: [0.7, 0.1]
                      density: 0.6
                parameters: {lambda: 1.1, rescale: true}
                dtype: float32
                out_dtype: bfloat16
                tokenizer_source: base
                chat_template: "{% for m in messages %}{{ m.content }}{% endfor %}"
                """, DIR);
        assertThat(RecipeParser.parse(RecipeWriter.toYaml(r), DIR)).isEqualTo(r);
    }

    @Test
    void tokenizerBlockSurvivesARoundTrip() {
        Recipe r = RecipeParser.parse("""
                merge_method: linear
                models: [{model: a}, {model: b}]
                tokenizer:
                  source: b
                  tokens:
                    <|im_start|>: {source: b, force: true}
                    <|x|>: {source: {kind: model_token, model: a, token_id: 3}}
                    <|y|>: {source: {kind: model_token, model: a, token: "<s>"}}
                    <|z|>: {source: {kind: zero}}
                  pad_to_multiple_of: 8
                """, DIR);
        assertThat(RecipeParser.parse(RecipeWriter.toYaml(r), DIR)).isEqualTo(r);
    }

    @Test
    void slicesRecipeSurvivesARoundTrip() {
        Recipe r = RecipeParser.parse("""
                merge_method: passthrough
                slices:
                  - sources: [{model: a, layer_range: [0, 3], parameters: {scale: 0.5}}]
                  - sources: [{model: b, layer_range: [1, 4]}]
                    parameters: {scale: [1.0, 0.0]}
                """, DIR);
        String yaml = RecipeWriter.toYaml(r);
        assertThat(yaml).contains("layer_range:").doesNotContain("---");
        assertThat(RecipeParser.parse(yaml, DIR)).isEqualTo(r);
    }
}
