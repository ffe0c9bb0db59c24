package dev.crucible.serve.model;

import dev.crucible.serve.FakeLanguageModel;
import dev.crucible.serve.FakeModels;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.metrics.CrucibleMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelServerTest {

    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final ExecutorService BLOCKING = Executors.newFixedThreadPool(2);
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private FakeModels models;
    private ActorRef<ModelServer.Command> server;

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
        BLOCKING.shutdownNow();
    }

    @BeforeEach
    void start() {
        models = new FakeModels(0);
        server = KIT.spawn(ModelServer.create(models, "hi", BLOCKING, new CrucibleMetrics()));
    }

    private PromotionResult promote(String name) throws Exception {
        Path folder = Files.createDirectories(dir.resolve(name));
        TestProbe<PromotionResult> probe = KIT.createTestProbe();
        server.tell(new ModelServer.Promote(folder, probe.getRef()));
        return probe.expectMessageClass(PromotionResult.class, WAIT);
    }

    private ModelLease lease() {
        TestProbe<ModelServer.LeaseReply> probe = KIT.createTestProbe();
        server.tell(new ModelServer.Acquire(probe.getRef()));
        return probe.expectMessageClass(ModelServer.Leased.class, WAIT).lease();
    }

    private ServingState state() {
        TestProbe<ServingState> probe = KIT.createTestProbe();
        server.tell(new ModelServer.Describe(probe.getRef()));
        return probe.expectMessageClass(ServingState.class, WAIT);
    }

    @Test
    void nothingIsLeasedBeforeTheFirstModelLoads() {
        TestProbe<ModelServer.LeaseReply> probe = KIT.createTestProbe();
        server.tell(new ModelServer.Acquire(probe.getRef()));
        probe.expectMessageClass(ModelServer.Unavailable.class, WAIT);
    }

    @Test
    void aReplacedModelClosesOnlyAfterItsLastLeaseIsReleased() throws Exception {
        assertThat(promote("one")).isInstanceOf(PromotionResult.Promoted.class);
        ModelLease held = lease();
        assertThat(held.version().id()).isEqualTo("v1");

        PromotionResult second = promote("two");
        assertThat(second).isInstanceOfSatisfying(PromotionResult.Promoted.class, p -> {
            assertThat(p.version().id()).isEqualTo("v2");
            assertThat(p.previous()).hasValueSatisfying(v -> assertThat(v.id()).isEqualTo("v1"));
        });
        assertThat(lease().version().id()).isEqualTo("v2");
        FakeLanguageModel first = models.loaded().get(0);
        assertThat(first.closeCount()).isZero();
        assertThat(state().retiring()).isEqualTo(1);

        held.close();
        held.close();
        KIT.createTestProbe().awaitAssert(WAIT, () -> {
            assertThat(first.closeCount()).isEqualTo(1);
            return null;
        });
        assertThat(state().retiring()).isZero();
        assertThat(models.loaded().get(1).closeCount()).isZero();
    }

    @Test
    void aModelWithoutLeasesClosesAtOnceWhenReplaced() throws Exception {
        promote("one");
        promote("two");
        KIT.createTestProbe().awaitAssert(WAIT, () -> {
            assertThat(models.loaded().get(0).closeCount()).isEqualTo(1);
            return null;
        });
    }

    @Test
    void aFailedLoadKeepsTheCurrentModelServing() throws Exception {
        promote("one");
        PromotionResult broken = promote("broken-model");
        assertThat(broken).isInstanceOfSatisfying(PromotionResult.Failed.class, f -> {
            assertThat(f.status()).isEqualTo(422);
            assertThat(f.message()).contains("broken-model").contains("config.json");
        });
        PromotionResult nan = promote("nan-model");
        assertThat(nan).isInstanceOfSatisfying(PromotionResult.Failed.class, f -> {
            assertThat(f.code()).isEqualTo("model_validation_failed");
            assertThat(f.message()).contains("non-finite");
        });
        assertThat(models.loaded().get(1).closeCount()).as("the rejected model is closed").isEqualTo(1);
        assertThat(lease().version().id()).isEqualTo("v1");
        assertThat(models.loaded().get(0).closeCount()).isZero();
    }

    @Test
    void aMissingFolderIsABadRequest() throws Exception {
        TestProbe<PromotionResult> probe = KIT.createTestProbe();
        server.tell(new ModelServer.Promote(dir.resolve("absent"), probe.getRef()));
        PromotionResult.Failed failed = probe.expectMessageClass(PromotionResult.Failed.class, WAIT);
        assertThat(failed.status()).isEqualTo(400);
        assertThat(failed.message()).contains("absent").contains("not a directory");
    }

    @Test
    void shutdownWaitsForLeasesThenClosesEverything() throws Exception {
        promote("one");
        ModelLease held = lease();
        TestProbe<Done> done = KIT.createTestProbe();
        server.tell(new ModelServer.Shutdown(done.getRef()));
        done.expectNoMessage(Duration.ofMillis(200));
        TestProbe<ModelServer.LeaseReply> refused = KIT.createTestProbe();
        server.tell(new ModelServer.Acquire(refused.getRef()));
        refused.expectMessageClass(ModelServer.Unavailable.class, WAIT);
        held.close();
        done.expectMessage(WAIT, Done.getInstance());
        assertThat(models.loaded().get(0).closeCount()).isEqualTo(1);
    }
}
