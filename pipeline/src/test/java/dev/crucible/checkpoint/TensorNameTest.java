package dev.crucible.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

class TensorNameTest {

    @ParameterizedTest
    @CsvSource({
            "language_model.model.layers.3.mlp.up_proj.weight, model.layers.3.mlp.up_proj.weight, LLAVA_CLASSIC",
            "model.language_model.layers.3.mlp.up_proj.weight, model.layers.3.mlp.up_proj.weight, LLAVA_CURRENT",
            "model.layers.3.mlp.up_proj.weight, model.layers.3.mlp.up_proj.weight, PLAIN"})
    void languageModelLayersOfEverySchemeShareOneCanonicalName(String name, String canonical, NamingScheme scheme) {
        TensorName n = TensorName.parse(name);
        assertThat(n.canonical()).isEqualTo(canonical);
        assertThat(n.scheme()).isEqualTo(scheme);
        assertThat(n.submodule()).isEqualTo(Submodule.LANGUAGE_MODEL);
        assertThat(n.layer()).isEqualTo(OptionalInt.of(3));
        assertThat(n.isEmbedding()).isFalse();
        assertThat(TensorName.rename(canonical, scheme)).isEqualTo(name);
    }

    @ParameterizedTest
    @CsvSource({
            "language_model.lm_head.weight, lm_head.weight, LLAVA_CLASSIC",
            "lm_head.weight, lm_head.weight, PLAIN",
            "language_model.model.embed_tokens.weight, model.embed_tokens.weight, LLAVA_CLASSIC",
            "model.language_model.embed_tokens.weight, model.embed_tokens.weight, LLAVA_CURRENT",
            "model.embed_tokens.weight, model.embed_tokens.weight, PLAIN"})
    void embeddingsAndHeadsAreRecognisedUnderEveryScheme(String name, String canonical, NamingScheme scheme) {
        TensorName n = TensorName.parse(name);
        assertThat(n.canonical()).isEqualTo(canonical);
        assertThat(n.scheme()).isEqualTo(scheme);
        assertThat(n.isEmbedding()).isTrue();
        assertThat(n.layer()).isEmpty();
        assertThat(TensorName.rename(canonical, scheme)).isEqualTo(name);
    }

    @ParameterizedTest
    @CsvSource({
            "vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight, vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight, VISION_TOWER, LLAVA_CLASSIC",
            "model.vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight, vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight, VISION_TOWER, LLAVA_CURRENT",
            "multi_modal_projector.linear_1.weight, multi_modal_projector.linear_1.weight, PROJECTOR, LLAVA_CLASSIC",
            "model.multi_modal_projector.linear_1.weight, multi_modal_projector.linear_1.weight, PROJECTOR, LLAVA_CURRENT"})
    void visionPartsAreClassifiedAndRenamedBack(String name, String canonical, Submodule sub, NamingScheme scheme) {
        TensorName n = TensorName.parse(name);
        assertThat(n.canonical()).isEqualTo(canonical);
        assertThat(n.submodule()).isEqualTo(sub);
        assertThat(n.scheme()).isEqualTo(scheme);
        assertThat(n.layer()).isEmpty();
        assertThat(n.isEmbedding()).isFalse();
        assertThat(TensorName.rename(canonical, scheme)).isEqualTo(name);
    }

    @Test
    void currentLlavaKeepsItsHeadAtTopLevel() {
        assertThat(TensorName.rename("lm_head.weight", NamingScheme.LLAVA_CURRENT)).isEqualTo("lm_head.weight");
        assertThat(TensorName.rename("model.norm.weight", NamingScheme.LLAVA_CURRENT))
                .isEqualTo("model.language_model.norm.weight");
    }

    @Test
    void gpt2StyleLayersAndEmbeddings() {
        assertThat(TensorName.parse("transformer.h.11.attn.c_attn.weight").layer()).isEqualTo(OptionalInt.of(11));
        assertThat(TensorName.parse("transformer.wte.weight").isEmbedding()).isTrue();
    }

    @Test
    void unknownNamesAreOther() {
        TensorName n = TensorName.parse("score.weight");
        assertThat(n.submodule()).isEqualTo(Submodule.OTHER);
        assertThat(n.canonical()).isEqualTo("score.weight");
        assertThat(n.isEmbedding()).isFalse();
    }
}
