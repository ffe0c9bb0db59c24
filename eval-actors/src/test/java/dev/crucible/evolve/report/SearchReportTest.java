package dev.crucible.evolve.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SearchReportTest {

    private static Map<String, Double> scores(String a, double x, String b, double y) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(a, x);
        m.put(b, y);
        return m;
    }

    private static ScoreRow row(String name, String kind, double add, double rev) {
        return new ScoreRow(name, kind, scores("add", add, "rev", rev), scores("add", add, "rev", rev));
    }

    private static SearchReport report(List<ScoreRow> rows) {
        return new SearchReport("zoo.yml (ties, parameter space)", rows, Map.of("add.weight", 1.2), 96, 8,
                Duration.ofSeconds(75));
    }

    @Test
    void saysHowTheEvolvedMergeStandsAgainstTheBestHandMergeAndEachSource() {
        SearchReport report = report(List.of(
                row("expert-add", ScoreRow.SOURCE, 0.97, 0.19),
                row("expert-rev", ScoreRow.SOURCE, 0.10, 0.99),
                row("expert-mix", ScoreRow.SOURCE, 0.65, 0.65),
                row("linear 50/50", ScoreRow.HAND, 0.30, 0.30),
                row("task_arithmetic weights 1", ScoreRow.HAND, 0.38, 0.64),
                row("evolved", ScoreRow.EVOLVED, 0.90, 0.40)));
        assertThat(report.bestHandMerge().name()).isEqualTo("task_arithmetic weights 1");
        assertThat(report.markdown())
                .contains("The evolved merge scores 65.0% mean test accuracy.")
                .contains("Against the best default hand merge (task_arithmetic weights 1, 51.0%): ahead by 14.0 points.")
                .contains("Against source expert-add (58.0%): ahead by 7.0 points.")
                .contains("Against source expert-rev (54.5%): ahead by 10.5 points.")
                .contains("Against source expert-mix (65.0%): level.")
                .contains("| **evolved** | evolved | 90.0% | 40.0% | 65.0% | 90.0% | 40.0% | **65.0%** |")
                .contains("- `add.weight`: 1.2")
                .doesNotContain("n/a");
    }

    @Test
    void tasksAModelCannotTakeShowAsNotApplicableAndCountZero() {
        ScoreRow textOnly = new ScoreRow("expert-add", ScoreRow.SOURCE, scores("vqa", Double.NaN, "add", 0.98),
                scores("vqa", Double.NaN, "add", 0.96));
        assertThat(textOnly.testMean()).isEqualTo(0.48);
        ScoreRow evolved = new ScoreRow("evolved", ScoreRow.EVOLVED, scores("vqa", 0.5, "add", 0.5),
                scores("vqa", 0.5, "add", 0.5));
        SearchReport report = report(List.of(textOnly, evolved));
        assertThat(report.bestHandMerge()).isNull();
        assertThat(report.markdown()).contains("| expert-add | source | n/a | 98.0% | 49.0% |", "counts 0 in the means",
                "Against source expert-add (48.0%): ahead by 2.0 points.");
    }
}
