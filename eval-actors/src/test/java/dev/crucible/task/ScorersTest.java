package dev.crucible.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.crucible.error.CrucibleException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScorersTest {

    @Test
    void exactMatchTrimsBothSides() {
        ExactMatchScorer scorer = ExactMatchScorer.of(null);

        assertThat(scorer.matches(" 68\n", " 68")).isTrue();
        assertThat(scorer.matches(" 68 is it", " 68")).isFalse();
        assertThat(scorer.matches(" 6", " 68")).isFalse();
    }

    @Test
    void extractionComparesGroupOneOrTheWholeMatch() {
        ExactMatchScorer group = ExactMatchScorer.of("answer: (\\d+)");
        ExactMatchScorer whole = ExactMatchScorer.of("\\d+");

        assertThat(group.matches("so the answer: 68 ok", "answer: 68")).isTrue();
        assertThat(group.matches("so the answer: 68 ok", "68")).isTrue();
        assertThat(group.matches("no number here", "68")).isFalse();
        assertThat(whole.matches("I think 68.", " 68")).isTrue();
        assertThat(whole.matches("I think 67.", " 68")).isFalse();
    }

    @Test
    void generationScoringRunsOneBatchedCallWithTheBudget() {
        ScriptedModel model = ScriptedModel.adder("adder");
        model.answer = model.answer.andThen(text -> text.equals(" 5") ? " 6" : text);
        List<GenerationItem> items = List.of(
                new GenerationItem(1, "add 2 3 =", " 5", null),
                new GenerationItem(2, "add 20 30 =", " 50", null),
                new GenerationItem(3, "add 1 1 =", " 2", null));

        ScoreTally tally = ExactMatchScorer.of(null).score(model, items, 6);

        assertThat(tally.items()).isEqualTo(3);
        assertThat(tally.correct()).isEqualTo(2);
        assertThat(model.batchedCalls.get()).isEqualTo(1);
        assertThat(model.lastGeneration).allSatisfy(request -> {
            assertThat(request.maxNewTokens()).isEqualTo(6);
            assertThat(request.temperature()).isZero();
        });
    }

    @Test
    void defaultBudgetIsTokensOfTheLongestAnswerPlusTwo() {
        TaskBatch batch = new TaskBatch("add", TaskKind.GENERATION,
                List.of(new GenerationItem(1, "add 2 3 =", " 5", null)), null, " 147", null);

        assertThat(batch.generationBudget(new ScriptedModel("m"))).isEqualTo(6);
        assertThat(new TaskBatch("add", TaskKind.GENERATION, batch.items(), 3, " 147", null)
                .generationBudget(new ScriptedModel("m"))).isEqualTo(3);
    }

    @Test
    void choiceScoringPicksTheMostLikelyChoice() {
        ScriptedModel model = new ScriptedModel("mc");
        model.logLikelihood = request -> request.continuation().equals(" blue") ? -0.5 : -3.0;
        List<ChoiceItem> items = List.of(
                new ChoiceItem(1, "sky is", List.of(" green", " blue"), 1, null),
                new ChoiceItem(2, "grass is", List.of(" green", " blue"), 0, null));

        ScoreTally tally = new ChoiceScorer().score(model, items);

        assertThat(tally.correct()).isEqualTo(1);
        assertThat(tally.items()).isEqualTo(2);
        assertThat(model.batchedCalls.get()).isEqualTo(1);
        assertThat(model.requests.get()).isEqualTo(4);
    }

    @Test
    void nanLogLikelihoodIsAModelFailure() {
        ScriptedModel model = new ScriptedModel("nan");
        model.logLikelihood = request -> Double.NaN;

        assertThatThrownBy(() -> new ChoiceScorer().score(model, List.of(new ChoiceItem(7, "p", List.of("a", "b"), 0, null))))
                .isInstanceOf(CrucibleException.class)
                .hasMessage("model produced a non-finite log-likelihood (NaN) for the item at line 7");
        assertThatThrownBy(() -> new PerplexityScorer().score(model, List.of(new TextItem(3, "abc", null))))
                .hasMessage("model produced a non-finite log-likelihood (NaN) for the text at line 3");
    }

    @Test
    void perplexityScoringCountsTextTokensAndTheEndToken() {
        ScriptedModel model = new ScriptedModel("ppl");
        model.logLikelihood = request -> -0.5 * request.continuation().length();

        ScoreTally tally = new PerplexityScorer().score(model, List.of(new TextItem(1, "abcd", null), new TextItem(2, "ef", null)));

        // The double's logits are uniform over 64 ids with one end token: log p(end) = -ln 64 per text.
        double nll = 3.0 + 2 * Math.log(64);
        assertThat(tally.tokens()).isEqualTo(8);
        assertThat(tally.nll()).isCloseTo(nll, within(1e-9));
        assertThat(tally.toScore("ppl", TaskKind.PERPLEXITY, 1).score()).isCloseTo(Math.exp(nll / 8), within(1e-9));
    }

    @Test
    void endProbabilitySumsEveryEndToken() {
        ScriptedModel model = new ScriptedModel("ends");
        model.eosIds = java.util.Set.of(2, 3);

        assertThat(PerplexityScorer.endLogProbability(model, "abc")).isCloseTo(Math.log(2.0 / 64), within(1e-9));
    }

    @Test
    void imageItemsNeedAVisionModel() {
        Path image = TaskFiles.zoo().resolve("vqa/img_0001.png");
        ScriptedModel text = new ScriptedModel("text-only");
        List<GenerationItem> items = List.of(new GenerationItem(4, "color =", " red", image));

        assertThatThrownBy(() -> ExactMatchScorer.of(null).score(text, items, 4))
                .hasMessage("model text-only does not take images, but the item at line 4 has image " + image);

        ScriptedModel vision = new ScriptedModel("vlm");
        vision.images = true;
        vision.answer = request -> request.image() != null && request.image().width() == 32 ? " red" : "";
        assertThat(ExactMatchScorer.of(null).score(vision, items, 4).correct()).isEqualTo(1);
    }
}
