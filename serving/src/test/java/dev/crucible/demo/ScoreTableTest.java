package dev.crucible.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScoreTableTest {

    @Test
    void alignsOneColumnPerTaskAndTheMean() {
        List<ModelScores> rows = List.of(
                new ModelScores("expert-add", "expert", Map.of("add", 0.97, "rev", 0.19)),
                new ModelScores("ties", "hand merge", Map.of("add", 0.5, "rev", 0.4)));

        String table = ScoreTable.render(rows, List.of("add", "rev"), "  ");

        assertThat(table.lines()).containsExactly(
                "  model       kind            add      rev     mean",
                "  expert-add  expert        97.0%    19.0%    58.0%",
                "  ties        hand merge    50.0%    40.0%    45.0%");
    }

    @Test
    void anUnscorableTaskShowsAsNotAvailableAndCountsZero() {
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("add", 0.8);
        scores.put("vqa", Double.NaN);
        ModelScores row = new ModelScores("text-only", "expert", scores);

        assertThat(row.mean()).isEqualTo(0.4);
        assertThat(row.weakest()).isZero();
        assertThat(ScoreTable.render(List.of(row), List.of("add", "vqa"), "")).contains("    n/a");
    }
}
