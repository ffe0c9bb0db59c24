package dev.crucible.remerge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.app.GateSettings;
import dev.crucible.task.TaskScore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GateTest {

    private static TaskScore acc(String task, double score) {
        return new TaskScore(task, "accuracy", score, 200, score - 0.05, score + 0.05, 100, null);
    }

    private static Map<String, TaskScore> scores(TaskScore... all) {
        Map<String, TaskScore> map = new LinkedHashMap<>();
        for (TaskScore s : all) {
            map.put(s.task(), s);
        }
        return map;
    }

    private final Gate gate = new Gate(new GateSettings(0.02, 0.0));

    @Test
    void promotesWhenTheMeanRisesAndNoTaskDropsTooFar() {
        GateDecision d = gate.decide(scores(acc("add", 0.50), acc("rev", 0.40)), scores(acc("add", 0.49), acc("rev", 0.45)));

        assertThat(d.promote()).isTrue();
        assertThat(d.meanGain()).isCloseTo(0.02, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(d.reasons()).isEmpty();
    }

    @Test
    void rejectsATaskThatDropsMoreThanTheMarginEvenWhenTheMeanRises() {
        GateDecision d = gate.decide(scores(acc("add", 0.50), acc("rev", 0.40)), scores(acc("add", 0.45), acc("rev", 0.60)));

        assertThat(d.promote()).isFalse();
        assertThat(d.reasons()).singleElement().asString().startsWith("add: accuracy fell from 0.5000 to 0.4500");
    }

    @Test
    void rejectsALowerMean() {
        GateDecision d = gate.decide(scores(acc("add", 0.50), acc("rev", 0.40)), scores(acc("add", 0.49), acc("rev", 0.39)));

        assertThat(d.promote()).isFalse();
        assertThat(d.reasons()).singleElement().asString().startsWith("mean: 0.0100 lower");
    }

    @Test
    void anEqualCandidatePassesTheNotLowerRuleButNotAPositiveMinimumGain() {
        Map<String, TaskScore> same = scores(acc("add", 0.5));

        assertThat(gate.decide(same, same).promote()).isTrue();
        GateDecision strict = new Gate(new GateSettings(0.02, 0.01)).decide(same, same);
        assertThat(strict.promote()).isFalse();
        assertThat(strict.reasons()).singleElement().asString().contains("less than min_mean_gain");
    }

    @Test
    void perplexityCountsAFallAsAGain() {
        TaskScore before = new TaskScore("text", "perplexity", 2.10, 200, 2.0, 2.2, 50, null);
        TaskScore after = new TaskScore("text", "perplexity", 2.00, 200, 1.9, 2.1, 50, null);

        GateDecision d = gate.decide(scores(before), scores(after));

        assertThat(d.promote()).isTrue();
        assertThat(d.meanGain()).isCloseTo(0.10, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(gate.decide(scores(after), scores(before)).promote()).isFalse();
    }

    @Test
    void aFailedOrMissingTaskRejects() {
        Map<String, TaskScore> champion = scores(acc("add", 0.5), acc("rev", 0.4));

        GateDecision failed = gate.decide(champion, scores(acc("add", 0.9), TaskScore.failed("rev", "accuracy", 200, "NaN logits")));
        GateDecision missing = gate.decide(champion, scores(acc("add", 0.9)));

        assertThat(failed.reasons()).anySatisfy(r -> assertThat(r).contains("rev: scoring the candidate failed (NaN logits)"));
        assertThat(missing.reasons()).anySatisfy(r -> assertThat(r).contains("rev: the candidate was not scored on it"));
    }
}
