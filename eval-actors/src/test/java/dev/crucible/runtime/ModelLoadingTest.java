package dev.crucible.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.TensorInfo;
import dev.crucible.tensor.WeightSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Loading from memory, under the current LLaVA naming, and in narrow batches gives the same results. */
class ModelLoadingTest {

    /** Serves a checkpoint under transformers' current LLaVA tensor names. */
    private record CurrentLlavaNames(WeightSource classic, Map<String, String> toClassic) implements WeightSource {

        static CurrentLlavaNames of(WeightSource classic) {
            Map<String, String> map = new LinkedHashMap<>();
            for (String n : classic.tensorNames()) {
                String current;
                if (n.startsWith("language_model.model.")) {
                    current = "model.language_model." + n.substring("language_model.model.".length());
                } else if (n.equals("language_model.lm_head.weight")) {
                    current = "lm_head.weight";
                } else {
                    current = "model." + n;
                }
                map.put(current, n);
            }
            return new CurrentLlavaNames(classic, map);
        }

        @Override
        public Collection<String> tensorNames() {
            return toClassic.keySet();
        }

        @Override
        public TensorInfo info(String name) {
            return classic.info(toClassic.get(name)).with(name, classic.info(toClassic.get(name)).dtype());
        }

        @Override
        public float[] readFloats(String name) {
            return classic.readFloats(toClassic.get(name));
        }

        @Override
        public boolean contains(String name) {
            return toClassic.containsKey(name);
        }
    }

    @Test
    void currentLlavaNamingGivesTheReferenceLogitsWithAnImage() {
        JsonNode ref = Zoo.reference("vlm_image");
        ImageInput image = ImageInput.fromPng(Zoo.dir().resolve(ref.get("image").asText()));
        try (ModelFolder folder = ModelFolder.open(Zoo.model("vlm"));
             LanguageModel model = LanguageModels.load(folder.config(), folder.dir(),
                     CurrentLlavaNames.of(folder.weights()), "vlm-current-names")) {
            assertThat(folder.weights().contains("model.language_model.embed_tokens.weight")).isFalse();
            float[] logits = model.lastLogits(Zoo.ints(ref.get("input_ids")), image);
            float[] expected = Zoo.floats(ref.get("last_logits"));
            for (int i = 0; i < expected.length; i++) {
                assertThat(logits[i]).isCloseTo(expected[i], org.assertj.core.api.Assertions.within(1e-3f));
            }
        }
    }

    @Test
    void narrowBatchesReturnResultsInRequestOrder() throws IOException {
        List<GenerationRequest> requests = new ArrayList<>();
        List<ScoringRequest> scoring = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String prompt = "add " + (11 + 7 * i) + " " + (40 + i) + " =" + " ".repeat(i % 3);
            requests.add(GenerationRequest.greedy(prompt, 6));
            scoring.add(ScoringRequest.of(prompt, " " + (51 + 8 * i)));
        }
        JsonNode config = new ObjectMapper().readTree(Zoo.model("expert-add").resolve("config.json").toFile());
        try (ModelFolder folder = ModelFolder.open(Zoo.model("expert-add"));
             LanguageModel wide = LanguageModels.load(folder.config(), folder.dir(), folder.weights(), "wide");
             LanguageModel narrow = LanguageModels.load(config, folder.dir(), folder.weights(), "narrow", 3)) {
            assertThat(narrow.generate(requests)).isEqualTo(wide.generate(requests));
            double[] a = narrow.logLikelihood(scoring);
            double[] b = wide.logLikelihood(scoring);
            for (int i = 0; i < a.length; i++) {
                assertThat(a[i]).isCloseTo(b[i], org.assertj.core.api.Assertions.within(1e-4));
            }
        }
    }

    @Test
    void aFolderWithoutConfigIsReportedByName() {
        assertThatThrownBy(() -> LanguageModels.load(Zoo.dir().resolve("vqa")))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("config.json");
    }
}
