package dev.crucible.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The runtime reproduces the zoo's transformers reference logits and greedy continuations. */
class ZooReferenceTest {

    private static float maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "expert-add", "expert-rev", "vlm"})
    void textModelsMatchReferenceLogitsAndGreedyText(String name) {
        JsonNode ref = Zoo.reference(name);
        try (LanguageModel model = LanguageModels.load(Zoo.model(name))) {
            int[] ids = Zoo.ints(ref.get("input_ids"));
            String prompt = ref.get("text").asText().substring("<s>".length());
            assertThat(model.tokenizer().encode(prompt, true)).containsExactly(ids);
            float[] logits = model.lastLogits(ids, null);
            assertThat(maxAbsDiff(logits, Zoo.floats(ref.get("last_logits")))).isLessThan(1e-3f);
            Generation g = model.generate(List.of(GenerationRequest.greedy(prompt, ref.get("max_new_tokens").asInt())))
                    .getFirst();
            assertThat(g.text()).isEqualTo(ref.get("greedy_text").asText());
            assertThat(g.promptTokens()).isEqualTo(ids.length);
        }
    }

    @Test
    void vlmWithImageMatchesReferenceLogitsAndGreedyText() {
        JsonNode ref = Zoo.reference("vlm_image");
        ImageInput image = ImageInput.fromPng(Zoo.dir().resolve(ref.get("image").asText()));
        try (LanguageModel model = LanguageModels.load(Zoo.model("vlm"))) {
            assertThat(model.supportsImages()).isTrue();
            int[] ids = Zoo.ints(ref.get("input_ids"));
            float[] logits = model.lastLogits(ids, image);
            assertThat(maxAbsDiff(logits, Zoo.floats(ref.get("last_logits")))).isLessThan(1e-3f);
            GenerationRequest request = GenerationRequest.greedy(ref.get("prompt").asText(),
                    ref.get("max_new_tokens").asInt()).withImage(image);
            Generation g = model.generate(List.of(request)).getFirst();
            assertThat(g.text()).isEqualTo(ref.get("greedy_text").asText());
            assertThat(g.promptTokens()).isEqualTo(ids.length);
            assertThat(g.finishReason()).isEqualTo(Generation.STOP);
        }
    }

    @Test
    void expertAddAnswersTheSum() {
        try (LanguageModel model = LanguageModels.load(Zoo.model("expert-add"))) {
            Generation g = model.generate(List.of(GenerationRequest.greedy("add 12 34 =", 8))).getFirst();
            assertThat(g.text()).isEqualTo(" 46");
            assertThat(g.finishReason()).isEqualTo(Generation.STOP);
            assertThat(g.completionTokens()).isEqualTo(4);
        }
    }
}
