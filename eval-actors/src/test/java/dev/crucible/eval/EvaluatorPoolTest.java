package dev.crucible.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.crucible.task.ScriptedModel;
import dev.crucible.task.Task;
import dev.crucible.task.TaskFiles;
import dev.crucible.task.TaskLoader;
import dev.crucible.task.TaskScore;
import dev.crucible.task.TaskSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EvaluatorPoolTest {

    static final Config CONFIG = ConfigFactory.parseString("""
            pekko.loglevel = WARNING
            pekko.log-dead-letters = off
            """).withFallback(ConfigFactory.load());

    static final PoolSettings SETTINGS = new PoolSettings(10, Duration.ofSeconds(30), 3, Duration.ofSeconds(30));

    static final ModelRef GOOD = new ModelRef.Folder(Path.of("/models/good"));

    ActorTestKit testKit;

    @BeforeEach
    void start() {
        testKit = ActorTestKit.create(CONFIG);
    }

    @AfterEach
    void stop() {
        testKit.shutdownTestKit();
    }

    static Task add() {
        return TaskLoader.load(TaskSpec.of("add", TaskFiles.zoo().resolve("add_dev.jsonl")));
    }

    static Task vqa() {
        return TaskLoader.load(TaskSpec.of("vqa", TaskFiles.zoo().resolve("vqa_dev.jsonl"))).limit(20);
    }

    /** A loader making adder models, remembering each one it made. */
    static final class Adders implements ModelLoader {
        final List<ScriptedModel> made = new CopyOnWriteArrayList<>();
        final long delayMillis;

        Adders(long delayMillis) {
            this.delayMillis = delayMillis;
        }

        @Override
        public ScriptedModel load(ModelRef ref) {
            ScriptedModel model = ScriptedModel.adder(ref.id());
            model.delayMillis = delayMillis;
            made.add(model);
            return model;
        }

        int calls() {
            return made.stream().mapToInt(model -> model.batchedCalls.get()).sum();
        }
    }

    EvaluationResult evaluate(ActorRef<EvaluatorPool.Command> pool, ModelRef model, List<Task> tasks) {
        TestProbe<EvaluationResult> reply = testKit.createTestProbe();
        pool.tell(new EvaluatorPool.Evaluate(model, tasks, reply.getRef()));
        return reply.expectMessageClass(EvaluationResult.class, Duration.ofSeconds(15));
    }

    void awaitEvaluators(int count) {
        TestProbe<Receptionist.Listing> probe = testKit.createTestProbe();
        probe.awaitAssert(Duration.ofSeconds(5), () -> {
            testKit.system().receptionist().tell(Receptionist.find(Evaluator.SERVICE_KEY, probe.getRef()));
            assertThat(probe.receiveMessage().getServiceInstances(Evaluator.SERVICE_KEY)).hasSize(count);
            return null;
        });
    }

    @Test
    void twoEvaluatorsBothTakeWorkAndTalliesAddUp() {
        Adders first = new Adders(10);
        Adders second = new Adders(10);
        testKit.spawn(Evaluator.create(first));
        testKit.spawn(Evaluator.create(second));
        awaitEvaluators(2);
        ActorRef<EvaluatorPool.Command> pool = testKit.spawn(EvaluatorPool.create(SETTINGS));

        TaskScore score = evaluate(pool, GOOD, List.of(add())).scores().get("add");

        assertThat(score.ok()).isTrue();
        assertThat(score.score()).isEqualTo(1.0);
        assertThat(score.n()).isEqualTo(200);
        assertThat(score.itemsPerSecond()).isPositive();
        assertThat(first.calls()).isPositive();
        assertThat(second.calls()).isPositive();
        assertThat(first.calls() + second.calls()).isEqualTo(20);
        assertThat(first.made).hasSize(1);
    }

    @Test
    void failingCandidateYieldsFailureAndThePoolScoresTheNextOne() {
        ModelLoader loader = ref -> {
            if (ref.id().contains("broken")) {
                throw new IllegalStateException("weights are corrupt");
            }
            return ScriptedModel.adder(ref.id());
        };
        testKit.spawn(Evaluator.create(loader));
        ActorRef<EvaluatorPool.Command> pool = testKit.spawn(EvaluatorPool.create(SETTINGS));

        EvaluationResult broken = evaluate(pool, new ModelRef.Folder(Path.of("/models/broken")), List.of(add(), vqa()));
        EvaluationResult good = evaluate(pool, GOOD, List.of(add()));

        assertThat(broken.allOk()).isFalse();
        assertThat(broken.scores().values()).allSatisfy(score -> {
            assertThat(score.failure()).isEqualTo("model folder:/models/broken failed: weights are corrupt");
            assertThat(score.score()).isNaN();
        });
        assertThat(broken.scores().keySet()).containsExactly("add", "vqa");
        assertThat(good.scores().get("add").score()).isEqualTo(1.0);
    }

    @Test
    void aFailingTaskDoesNotSinkTheOthers() {
        testKit.spawn(Evaluator.create(new Adders(0)));
        ActorRef<EvaluatorPool.Command> pool = testKit.spawn(EvaluatorPool.create(SETTINGS));

        EvaluationResult result = evaluate(pool, GOOD, List.of(vqa(), add()));

        assertThat(result.scores().get("vqa").failure()).startsWith("task vqa: model folder:/models/good does not take images");
        assertThat(result.scores().get("add").score()).isEqualTo(1.0);
    }

    @Test
    void nonFiniteLogitsFailTheCandidate() {
        testKit.spawn(Evaluator.create(ref -> {
            ScriptedModel model = ScriptedModel.adder(ref.id());
            model.logit = Float.NaN;
            return model;
        }));
        ActorRef<EvaluatorPool.Command> pool = testKit.spawn(EvaluatorPool.create(SETTINGS));

        TaskScore score = evaluate(pool, GOOD, List.of(add())).scores().get("add");

        assertThat(score.failure()).isEqualTo("model folder:/models/good failed: non-finite logits (NaN) after the start token");
    }

    @Test
    void outOfMemoryIsAFailureNotACrash() {
        ScriptedModel[] made = new ScriptedModel[2];
        testKit.spawn(Evaluator.create(ref -> {
            ScriptedModel model = ScriptedModel.adder(ref.id());
            if (ref.id().contains("huge")) {
                model.onCall = () -> {
                    throw new OutOfMemoryError("Java heap space");
                };
                made[0] = model;
            }
            return model;
        }));
        ActorRef<EvaluatorPool.Command> pool = testKit.spawn(EvaluatorPool.create(SETTINGS));

        TaskScore huge = evaluate(pool, new ModelRef.Folder(Path.of("/models/huge")), List.of(add())).scores().get("add");
        TaskScore next = evaluate(pool, GOOD, List.of(add())).scores().get("add");

        assertThat(huge.failure()).isEqualTo("out of memory scoring task add");
        assertThat(made[0].closed).isTrue();
        assertThat(next.score()).isEqualTo(1.0);
    }

    @Test
    void batchOfAnEvaluatorThatDiesMidBatchIsRedispatched() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ScriptedModel[] doomed = new ScriptedModel[1];
        var dying = testKit.spawn(Evaluator.create(ref -> {
            ScriptedModel model = ScriptedModel.adder(ref.id());
            model.onCall = () -> {
                entered.countDown();
                awaitQuietly(release);
            };
            doomed[0] = model;
            return model;
        }));
        ActorRef<EvaluatorPool.Command> pool = testKit.spawn(EvaluatorPool.create(SETTINGS));
        TestProbe<EvaluationResult> reply = testKit.createTestProbe();
        pool.tell(new EvaluatorPool.Evaluate(GOOD, List.of(add()), reply.getRef()));
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

        Adders survivor = new Adders(0);
        testKit.spawn(Evaluator.create(survivor));
        testKit.stop(dying);
        TaskScore score = reply.expectMessageClass(EvaluationResult.class, Duration.ofSeconds(10)).scores().get("add");
        release.countDown();

        assertThat(score.ok()).isTrue();
        assertThat(score.n()).isEqualTo(200);
        assertThat(score.score()).isEqualTo(1.0);
        assertThat(survivor.calls()).isEqualTo(20);
        reply.awaitAssert(() -> assertThat(doomed[0].closed).isTrue());
    }

    @Test
    void silentEvaluatorsBatchGoesToAnotherAfterTheTimeout() {
        CountDownLatch never = new CountDownLatch(1);
        testKit.spawn(Evaluator.create(ref -> {
            ScriptedModel model = ScriptedModel.adder(ref.id());
            model.onCall = () -> awaitQuietly(never);
            return model;
        }));
        awaitEvaluators(1);
        PoolSettings quick = SETTINGS.withTimeouts(Duration.ofMillis(300), Duration.ofSeconds(30));
        ActorRef<EvaluatorPool.Command> pool = testKit.spawn(EvaluatorPool.create(quick));
        TestProbe<EvaluationResult> reply = testKit.createTestProbe();
        pool.tell(new EvaluatorPool.Evaluate(GOOD, List.of(add()), reply.getRef()));
        Adders responsive = new Adders(0);
        testKit.spawn(Evaluator.create(responsive));

        TaskScore score = reply.expectMessageClass(EvaluationResult.class, Duration.ofSeconds(10)).scores().get("add");
        never.countDown();

        assertThat(score.score()).isEqualTo(1.0);
        assertThat(responsive.calls()).isEqualTo(20);
    }

    @Test
    void workNobodyCanTakeFailsAfterTheStarvationTimeout() {
        PoolSettings impatient = SETTINGS.withTimeouts(Duration.ofSeconds(30), Duration.ofMillis(300));
        ActorRef<EvaluatorPool.Command> pool = testKit.spawn(EvaluatorPool.create(impatient));

        TaskScore score = evaluate(pool, GOOD, List.of(add())).scores().get("add");

        assertThat(score.failure()).isEqualTo("no evaluators available for 300 ms");
    }

    @Test
    void inMemoryModelsComeFromTheirSupplierOncePerEvaluator() {
        testKit.spawn(Evaluator.create(ModelLoader.standard()));
        ActorRef<EvaluatorPool.Command> pool = testKit.spawn(EvaluatorPool.create(SETTINGS));
        List<ScriptedModel> built = new CopyOnWriteArrayList<>();
        ModelRef candidate = new ModelRef.InMemory("candidate-1", () -> {
            ScriptedModel model = ScriptedModel.adder("candidate-1");
            built.add(model);
            return model;
        });

        EvaluationResult result = evaluate(pool, candidate, List.of(add()));

        assertThat(result.scores().get("add").score()).isEqualTo(1.0);
        assertThat(built).hasSize(1);
    }

    @Test
    void emptyRequestIsAnsweredAtOnce() {
        ActorRef<EvaluatorPool.Command> pool = testKit.spawn(EvaluatorPool.create(SETTINGS));

        assertThat(evaluate(pool, GOOD, List.of()).scores()).isEmpty();
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
