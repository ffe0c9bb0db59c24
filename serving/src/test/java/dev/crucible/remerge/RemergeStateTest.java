package dev.crucible.remerge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.task.TaskScore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RemergeStateTest {

    private static final Map<String, TaskScore> SCORES = Map.of("add",
            new TaskScore("add", "accuracy", 0.5, 200, 0.43, 0.57, 120.0, null));

    @Test
    void historyAndChampionsSurviveReopening(@TempDir Path dir) {
        RemergeState state = RemergeState.open(dir);
        String first = state.nextCandidateId(Path.of("/m/base"));
        String second = state.nextCandidateId(Path.of("/m/bases/base v2"));
        state.pushChampion(new Champion(first, "/s/" + first, "/m/base", SCORES));
        state.pushChampion(new Champion(second, "/s/" + second, "/m/bases/base v2", SCORES));
        state.append(new HistoryEntry(second, Instant.parse("2026-11-27T10:00:00Z"), Decision.PROMOTED, "/m/bases/base v2",
                "/s/" + second, SCORES, first, 0.01, List.of(), "v2"));

        RemergeState reopened = RemergeState.open(dir);

        assertThat(first).isEqualTo("c0001-base");
        assertThat(second).isEqualTo("c0002-base_v2");
        assertThat(reopened.champion()).map(Champion::id).contains(second);
        assertThat(reopened.history()).singleElement().satisfies(e -> {
            assertThat(e.decision()).isEqualTo(Decision.PROMOTED);
            assertThat(e.scores().get("add").score()).isEqualTo(0.5);
            assertThat(e.at()).isEqualTo(Instant.parse("2026-11-27T10:00:00Z"));
        });
        assertThat(reopened.decidedBases()).containsExactlyInAnyOrder("/m/base", "/m/bases/base v2");
        assertThat(reopened.nextCandidateId(Path.of("/m/b3"))).isEqualTo("c0003-b3");
    }

    @Test
    void popReturnsThePreviousChampionAndKeepsTheLastOne(@TempDir Path dir) {
        RemergeState state = RemergeState.open(dir);
        state.pushChampion(new Champion("c0001-a", "/a", "/base-a", SCORES));
        assertThat(state.popChampion()).isEmpty();
        state.pushChampion(new Champion("c0002-b", "/b", "/base-b", SCORES));

        assertThat(state.popChampion()).map(Champion::id).contains("c0001-a");
        assertThat(RemergeState.open(dir).champions()).extracting(Champion::id).containsExactly("c0001-a");
    }

    @Test
    void aLastLineCutShortByACrashIsIgnoredAndStagingIsCleared(@TempDir Path dir) throws Exception {
        RemergeState state = RemergeState.open(dir);
        state.append(new HistoryEntry("c0001-a", Instant.now(), Decision.REJECTED, "/a", "/c", SCORES, "c0000-x", -0.1,
                List.of("mean lower"), null));
        Files.writeString(dir.resolve("history.jsonl"), "{\"id\":\"c0002-b\",\"deci", StandardOpenOption.APPEND);
        Path staging = Files.createDirectories(dir.resolve("candidates/.c0002-b.tmp-1234abcd"));
        Files.writeString(staging.resolve("model.safetensors"), "partial");

        RemergeState reopened = RemergeState.open(dir);

        assertThat(reopened.history()).extracting(HistoryEntry::id).containsExactly("c0001-a");
        assertThat(staging).doesNotExist();
        assertThat(reopened.nextCandidateId(Path.of("/b"))).isEqualTo("c0002-b");
    }

    @Test
    void aFailedBaseIsNotDecidedSoARestartRetriesIt(@TempDir Path dir) {
        RemergeState state = RemergeState.open(dir);
        state.append(new HistoryEntry("c0001-a", Instant.now(), Decision.FAILED, "/a", null, Map.of(), "c0000-x", 0,
                List.of("merge: shard missing"), null));
        state.append(new HistoryEntry("c0002-b", Instant.now(), Decision.REJECTED, "/b", "/c", SCORES, "c0000-x", -0.1,
                List.of("mean lower"), null));

        assertThat(state.decidedBases()).containsExactly("/b");
    }

    @Test
    void announcementsAreRemembered(@TempDir Path dir) {
        RemergeState state = RemergeState.open(dir);
        state.recordAnnouncement(Path.of("/m/new"));

        assertThat(RemergeState.open(dir).announcements()).containsExactly(Path.of("/m/new"));
    }
}
