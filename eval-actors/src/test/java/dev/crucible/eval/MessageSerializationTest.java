package dev.crucible.eval;

import dev.crucible.task.ChoiceItem;
import dev.crucible.task.ScoreTally;
import dev.crucible.task.Task;
import dev.crucible.task.TaskBatch;
import dev.crucible.task.TaskFiles;
import dev.crucible.task.TaskKind;
import dev.crucible.task.TaskLoader;
import dev.crucible.task.TaskScore;
import dev.crucible.task.TaskSpec;
import dev.crucible.task.TextItem;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every message that crosses nodes survives Pekko's jackson-cbor serializer unchanged. */
class MessageSerializationTest {

    static ActorTestKit testKit;
    static SerializationTestKit serialization;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create(EvaluatorPoolTest.CONFIG);
        serialization = testKit.serializationTestKit();
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    @Test
    void scoreBatchWithImagesChoicesAndTexts() {
        ActorRef<BatchResult> replyTo = testKit.<BatchResult>createTestProbe().getRef();
        ModelRef model = new ModelRef.Folder(Path.of("/models/a"));
        Task vqa = TaskLoader.load(TaskSpec.of("vqa", TaskFiles.zoo().resolve("vqa_dev.jsonl"))).limit(3);
        TaskBatch choices = new TaskBatch("mc", TaskKind.CHOICE,
                List.of(new ChoiceItem(1, "sky is", List.of(" blue", " green"), 0, null)), null, "", null);
        TaskBatch texts = new TaskBatch("ppl", TaskKind.PERPLEXITY, List.of(new TextItem(2, "hello", null)), 5, "", "(x)");

        serialization.verifySerialization(new Evaluator.ScoreBatch(1, model, vqa.batches(2).getFirst(), replyTo), true);
        serialization.verifySerialization(new Evaluator.ScoreBatch(2, model, choices, replyTo), true);
        serialization.verifySerialization(new Evaluator.ScoreBatch(3, model, texts, replyTo), true);
    }

    @Test
    void resultsAndRequests() {
        ActorRef<Evaluator.Command> evaluator = testKit.<Evaluator.Command>createTestProbe().getRef();
        ActorRef<EvaluationResult> replyTo = testKit.<EvaluationResult>createTestProbe().getRef();
        Task add = TaskLoader.load(TaskSpec.of("add", TaskFiles.zoo().resolve("add_dev.jsonl"))).limit(5);

        serialization.verifySerialization(new BatchResult(4, evaluator, ScoreTally.loss(2.5, 3), null, false, 17), true);
        serialization.verifySerialization(new BatchResult(5, evaluator, null, "model failed", true, 1), true);
        serialization.verifySerialization(new EvaluationResult(Map.of(
                "add", ScoreTally.match(true).toScore("add", TaskKind.GENERATION, 3.0),
                "bad", TaskScore.failed("bad", "accuracy", 10, "no evaluators"))), true);
        serialization.verifySerialization(new EvaluatorPool.Evaluate(new ModelRef.Folder(Path.of("/m")), List.of(add), replyTo), true);
    }

    @Test
    void recipeCandidatesTravelWithTheirSeed() {
        ActorRef<BatchResult> replyTo = testKit.<BatchResult>createTestProbe().getRef();
        ActorRef<EvaluationResult> results = testKit.<EvaluationResult>createTestProbe().getRef();
        ModelRef recipe = new ModelRef.Recipe("gen2-cand5", """
                merge_method: linear
                models:
                  - {model: expert-add, parameters: {weight: 0.3}}
                  - {model: expert-rev, parameters: {weight: 0.7}}
                """, Path.of("/models"), -7L);
        Task add = TaskLoader.load(TaskSpec.of("add", TaskFiles.zoo().resolve("add_dev.jsonl"))).limit(2);

        serialization.verifySerialization(new Evaluator.ScoreBatch(6, recipe, add.batches(2).getFirst(), replyTo), true);
        serialization.verifySerialization(new EvaluatorPool.Evaluate(recipe, List.of(add), results), true);
    }
}
