package dev.crucible.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.task.Task;
import dev.crucible.task.TaskFiles;
import dev.crucible.task.TaskLoader;
import dev.crucible.task.TaskScore;
import dev.crucible.task.TaskSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real runtime through the real pool reproduces the zoo's published figures (summary.json). */
class ZooEvaluationTest {

    static final Path ZOO = TaskFiles.zoo();
    static final Duration TIMEOUT = Duration.ofMinutes(5);

    static EvaluationSession session;
    static JsonNode summary;

    @BeforeAll
    static void start() throws Exception {
        summary = new ObjectMapper().readTree(ZOO.resolve("summary.json").toFile());
        session = EvaluationSession.start(1, ModelLoader.standard(),
                EvaluationSession.defaultSettings(), EvaluatorPoolTest.CONFIG);
    }

    @AfterAll
    static void stop() {
        session.close();
    }

    static Task task(String name, String file) {
        return TaskLoader.load(TaskSpec.of(name, ZOO.resolve(file)));
    }

    static EvaluationResult evaluate(String model, Task... tasks) {
        EvaluationResult result = session.evaluate(new ModelRef.Folder(ZOO.resolve(model)), List.of(tasks), TIMEOUT);
        assertThat(result.allOk()).as("failures: %s", result.scores()).isTrue();
        return result;
    }

    static void assertAccuracy(EvaluationResult result, String model, String task) {
        TaskScore score = result.scores().get(task);
        assertThat(score.n()).isEqualTo(500);
        assertThat(score.score()).as("%s on %s", model, task)
                .isCloseTo(summary.at("/acc/" + model + "/" + task).asDouble(), within(0.02));
        assertThat(score.ciLow()).isLessThanOrEqualTo(score.score());
        assertThat(score.ciHigh()).isGreaterThanOrEqualTo(score.score());
    }

    @Test
    void expertsMasterTheirOwnTask() {
        assertAccuracy(evaluate("expert-add", task("add", "add_test.jsonl")), "expert-add", "add");
        assertAccuracy(evaluate("expert-rev", task("rev", "rev_test.jsonl")), "expert-rev", "rev");
    }

    @Test
    void baseScoresAsPublishedIncludingPerplexity() {
        EvaluationResult base = evaluate("base", task("add", "add_test.jsonl"), task("rev", "rev_test.jsonl"),
                task("text", "text_test.txt"));

        assertAccuracy(base, "base", "add");
        assertAccuracy(base, "base", "rev");
        TaskScore perplexity = base.scores().get("text");
        assertThat(perplexity.metric()).isEqualTo("perplexity");
        assertThat(perplexity.n()).isEqualTo(200);
        assertThat(perplexity.score()).isCloseTo(summary.at("/ppl_text_test/base").asDouble(), within(0.01));
    }

    @Test
    void visionModelAnswersImageQuestions() {
        assertAccuracy(evaluate("vlm", task("vqa", "vqa_test.jsonl")), "vlm", "vqa");
    }
}
