package dev.crucible.checkpoint;

import dev.crucible.error.CrucibleException;
import dev.crucible.safetensors.Zoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelFolderTest {

    static final List<String> models = Zoo.MODELS;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @FieldSource("models")
    void everyZooModelHasFourLayersAndUntiedEmbeddings(String model) {
        try (ModelFolder m = ModelFolder.open(Zoo.model(model))) {
            ModelLayout layout = m.layout();
            assertThat(layout.layerCount()).isEqualTo(4);
            assertThat(m.numHiddenLayers()).isEqualTo(4);
            assertThat(layout.layers().keySet()).containsExactly(0, 1, 2, 3);
            assertThat(layout.layer(2)).hasSize(9);
            assertThat(layout.tiedEmbeddings()).isFalse();
            assertThat(layout.embeddings()).hasSize(2);
            assertThat(m.tokenizerFiles()).extracting(p -> p.getFileName().toString())
                    .contains("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json");
            assertThat(m.extraFiles()).extracting(p -> p.getFileName().toString()).contains("generation_config.json")
                    .doesNotContain("config.json", "tokenizer.json");
        }
    }

    @Test
    void plainLanguageModel() {
        try (ModelFolder m = ModelFolder.open(Zoo.model("base"))) {
            assertThat(m.architecture()).isEqualTo("LlamaForCausalLM");
            assertThat(m.modelType()).isEqualTo("llama");
            assertThat(m.isVisionLanguage()).isFalse();
            assertThat(m.textConfig()).isSameAs(m.config());
            assertThat(m.layout().submodules()).containsOnlyKeys(Submodule.LANGUAGE_MODEL);
            assertThat(m.layout().scheme()).isEqualTo(NamingScheme.PLAIN);
            assertThat(m.layout().parameters()).isEqualTo(754_816L);
        }
    }

    @Test
    void visionLanguageModelHasThreeSubmodules() {
        try (ModelFolder m = ModelFolder.open(Zoo.model("vlm"))) {
            assertThat(m.architecture()).isEqualTo("LlavaForConditionalGeneration");
            assertThat(m.isVisionLanguage()).isTrue();
            assertThat(m.textConfig().path("hidden_size").asInt()).isEqualTo(128);
            ModelLayout layout = m.layout();
            assertThat(layout.scheme()).isEqualTo(NamingScheme.LLAVA_CLASSIC);
            assertThat(layout.hasVision()).isTrue();
            assertThat(layout.submodules()).containsOnlyKeys(Submodule.LANGUAGE_MODEL, Submodule.VISION_TOWER,
                    Submodule.PROJECTOR);
            assertThat(layout.submodules().get(Submodule.LANGUAGE_MODEL))
                    .isEqualTo(new SubmoduleSize(39, 754_816L));
            assertThat(layout.submodules().get(Submodule.PROJECTOR).tensors()).isEqualTo(4);
            long sum = layout.submodules().values().stream().mapToLong(SubmoduleSize::parameters).sum();
            assertThat(sum).isEqualTo(layout.parameters());
            assertThat(m.tokenizerFiles()).extracting(p -> p.getFileName().toString())
                    .contains("preprocessor_config.json", "processor_config.json");
        }
    }

    @Test
    void missingHeadMeansTiedEmbeddings() {
        var infos = List.of(new dev.crucible.tensor.TensorInfo("model.embed_tokens.weight",
                dev.crucible.tensor.DType.F32, new long[]{4, 2}));
        assertThat(ModelLayout.of(infos, false).tiedEmbeddings()).isTrue();
        assertThat(ModelLayout.of(infos, false).layerCount()).isZero();
    }

    @Test
    void notAFolderIsAnError() {
        assertThatThrownBy(() -> ModelFolder.open(tmp.resolve("absent"))).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("is not a folder");
    }

    @Test
    void missingConfigIsAnError() {
        assertThatThrownBy(() -> ModelFolder.open(tmp)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("no config.json");
    }

    @Test
    void invalidConfigIsAnError() throws IOException {
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\": ");
        assertThatThrownBy(() -> ModelFolder.open(tmp)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("config.json is not valid JSON");
        Files.writeString(tmp.resolve("config.json"), "[]");
        assertThatThrownBy(() -> ModelFolder.open(tmp)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("must hold a JSON object");
    }
}
