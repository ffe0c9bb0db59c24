package dev.crucible.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Batching, padding, scoring and streaming agree with the plain one-request-at-a-time computation. */
class BatchedInferenceTest {

    private static LanguageModel addExpert;
    private static LanguageModel vlm;

    @BeforeAll
    static void load() {
        addExpert = LanguageModels.load(Zoo.model("expert-add"));
        vlm = LanguageModels.load(Zoo.model("vlm"));
    }

    @AfterAll
    static void close() {
        addExpert.close();
        vlm.close();
    }

    private static List<JsonNode> items(String file, int n) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(Zoo.dir().resolve(file))) {
            if (!line.isBlank() && out.size() < n) {
                out.add(json.readTree(line));
            }
        }
        return out;
    }

    @Test
    void batchedGenerationReportsEachRequestsFirstTokenOnceAndGeneratesTheSame() throws IOException {
        List<GenerationRequest> requests = new ArrayList<>();
        for (JsonNode item : items("add_dev.jsonl", 5)) {
            requests.add(GenerationRequest.greedy(item.get("prompt").asText(), 6));
        }
        List<Integer> reported = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Generation> withHook = addExpert.generate(requests, reported::add);
        assertThat(reported).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
        assertThat(withHook).isEqualTo(addExpert.generate(requests));
    }

    @Test
    void batchedGreedyGenerationEqualsOneByOne() throws IOException {
        List<GenerationRequest> requests = new ArrayList<>();
        for (JsonNode item : items("add_dev.jsonl", 12)) {
            requests.add(GenerationRequest.greedy(item.get("prompt").asText(), 8));
        }
        requests.add(GenerationRequest.greedy("rev abcdefg = and a longer prompt to force padding", 8));
        List<Generation> batched = addExpert.generate(requests);
        for (int i = 0; i < requests.size(); i++) {
            assertThat(batched.get(i)).isEqualTo(addExpert.generate(List.of(requests.get(i))).getFirst());
        }
    }

    @Test
    void batchedSamplingEqualsOneByOneForTheSameSeeds() {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            requests.add(new GenerationRequest("add " + (10 + i) + " 2" + i + " =", null, 6, 1.3, 0.9, 20, 100 + i,
                    List.of()));
        }
        requests.add(new GenerationRequest("rev hello =", null, 6, 0.8, 1.0, 0, 7, List.of()));
        List<Generation> batched = addExpert.generate(requests);
        for (int i = 0; i < requests.size(); i++) {
            assertThat(batched.get(i)).isEqualTo(addExpert.generate(List.of(requests.get(i))).getFirst());
        }
    }

    @Test
    void expertAddSolvesMostDevItemsInABatch() throws IOException {
        List<JsonNode> items = items("add_dev.jsonl", 100);
        List<GenerationRequest> requests = items.stream()
                .map(i -> GenerationRequest.greedy(i.get("prompt").asText(), 8)).toList();
        List<Generation> out = addExpert.generate(requests);
        long correct = 0;
        for (int i = 0; i < items.size(); i++) {
            if (out.get(i).text().equals(items.get(i).get("answer").asText())) {
                correct++;
            }
        }
        assertThat(correct).isGreaterThanOrEqualTo(90);
    }

    @Test
    void logLikelihoodEqualsSumOfStepwiseLogSoftmax() {
        List<ScoringRequest> requests = List.of(
                ScoringRequest.of("add 12 34 =", " 46"),
                ScoringRequest.of("add 12 34 =", " 47"),
                ScoringRequest.of("rev abc =", " cba"),
                ScoringRequest.of("a much longer context to pad the others", " x"),
                ScoringRequest.of("add 1 1 =", ""));
        double[] batched = addExpert.logLikelihood(requests);
        for (int r = 0; r < requests.size(); r++) {
            ScoringRequest req = requests.get(r);
            int[] context = addExpert.tokenizer().encode(req.context(), true);
            int[] whole = addExpert.tokenizer().encode(req.context() + req.continuation(), true);
            double expected = 0;
            for (int pos = context.length; pos < whole.length; pos++) {
                float[] logits = addExpert.lastLogits(Arrays.copyOf(whole, pos), null);
                expected += logSoftmax(logits, whole[pos]);
            }
            assertThat(batched[r]).as(req.toString()).isCloseTo(expected, within(1e-3));
        }
        assertThat(batched[0]).isGreaterThan(batched[1]);
        assertThat(batched[4]).isZero();
    }

    private static double logSoftmax(float[] logits, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        return logits[target] - max - Math.log(sum);
    }

    @Test
    void streamingPiecesConcatenateToTheGeneratedText() {
        GenerationRequest request = GenerationRequest.greedy("rev hello =", 8);
        StringBuilder streamed = new StringBuilder();
        List<String> pieces = new ArrayList<>();
        Generation g = addExpert.generateStreaming(request, p -> {
            pieces.add(p);
            streamed.append(p);
        });
        assertThat(streamed.toString()).isEqualTo(g.text());
        assertThat(pieces.size()).isGreaterThan(1);
        assertThat(g).isEqualTo(addExpert.generate(List.of(request)).getFirst());
    }

    @Test
    void stopStringEndsGenerationAndIsNotReturnedOrStreamed() {
        Generation free = addExpert.generate(List.of(GenerationRequest.greedy("add 12 34 =", 8))).getFirst();
        assertThat(free.text()).isEqualTo(" 46");
        GenerationRequest stopAt6 = new GenerationRequest("add 12 34 =", null, 8, 0, 1, 0, 0, List.of("6"));
        StringBuilder streamed = new StringBuilder();
        Generation g = addExpert.generateStreaming(stopAt6, streamed::append);
        assertThat(g.text()).isEqualTo(" 4");
        assertThat(streamed.toString()).isEqualTo(" 4");
        assertThat(g.finishReason()).isEqualTo(Generation.STOP);
    }

    @Test
    void tokenLimitEndsWithLengthReason() {
        Generation g = addExpert.generate(List.of(GenerationRequest.greedy("add 12 34 =", 2))).getFirst();
        assertThat(g.text()).isEqualTo(" 4");
        assertThat(g.completionTokens()).isEqualTo(2);
        assertThat(g.finishReason()).isEqualTo(Generation.LENGTH);
    }

    @Test
    void vlmBatchMixingImageAndTextRowsEqualsOneByOne() throws IOException {
        List<GenerationRequest> requests = new ArrayList<>();
        for (JsonNode item : items("vqa_dev.jsonl", 5)) {
            ImageInput image = ImageInput.fromPng(Zoo.dir().resolve(item.get("image").asText()));
            requests.add(GenerationRequest.greedy(item.get("prompt").asText(), 10).withImage(image));
        }
        requests.add(GenerationRequest.greedy("add 12 34 =", 8));
        requests.add(GenerationRequest.greedy("<image>color =", 10)
                .withImage(requests.getFirst().image()));
        List<Generation> batched = vlm.generate(requests);
        for (int i = 0; i < requests.size(); i++) {
            assertThat(batched.get(i)).isEqualTo(vlm.generate(List.of(requests.get(i))).getFirst());
        }
        assertThat(batched.getFirst().promptTokens()).isEqualTo(1 + 16 + "shape =".length());
    }

    @Test
    void vlmScoresImageContinuationsLikeStepwiseLogits() {
        ImageInput image = ImageInput.fromPng(Zoo.dir().resolve("vqa/img_0201.png"));
        double batched = vlm.logLikelihood(List.of(new ScoringRequest("shape =", " cross", image),
                ScoringRequest.of("add 1 2 =", " 3")))[0];
        int[] whole = ((TransformerLanguageModel) vlm).promptIds("shape = cross", image);
        int context = ((TransformerLanguageModel) vlm).promptIds("shape =", image).length;
        double expected = 0;
        for (int pos = context; pos < whole.length; pos++) {
            expected += logSoftmax(vlm.lastLogits(Arrays.copyOf(whole, pos), image), whole[pos]);
        }
        assertThat(batched).isCloseTo(expected, within(1e-3));
    }

    @Test
    void imagesAreRejectedWhereTheyCannotBeUsed() {
        ImageInput image = new ImageInput(2, 2, new int[4]);
        assertThatThrownBy(() -> addExpert.generate(List.of(GenerationRequest.greedy("x", 1).withImage(image))))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("does not accept images");
        assertThatThrownBy(() -> vlm.generate(List.of(GenerationRequest.greedy("<image>x", 1))))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("no image was given");
        assertThatThrownBy(() -> vlm.lastLogits(new int[] {1, 4, 5}, image))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("image tokens");
    }
}
