package dev.crucible.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.crucible.task.Task;
import dev.crucible.task.TaskFiles;
import dev.crucible.task.TaskLoader;
import dev.crucible.task.TaskScore;
import dev.crucible.task.TaskSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two actor systems on loopback form a cluster; evaluators on both nodes serve one pool. */
class ClusterEvaluationTest {

    static final Config CLUSTER = ConfigFactory.parseString("""
            pekko.loglevel = WARNING
            pekko.log-dead-letters = off
            pekko.actor.provider = cluster
            pekko.remote.artery.canonical.hostname = "127.0.0.1"
            pekko.remote.artery.canonical.port = 0
            pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
            pekko.cluster.gossip-interval = 200 ms
            pekko.cluster.typed.receptionist.distributed-data.gossip-interval = 200 ms
            pekko.cluster.typed.receptionist.distributed-data.notify-subscribers-interval = 100 ms
            pekko.cluster.leader-actions-interval = 200 ms
            pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            pekko.coordinated-shutdown.phases.cluster-exiting.timeout = 2 s
            pekko.coordinated-shutdown.phases.cluster-leave.timeout = 2 s
            """).withFallback(ConfigFactory.load());

    ActorTestKit seed;
    ActorTestKit other;

    @AfterEach
    void stop() {
        if (other != null) {
            other.shutdownTestKit();
        }
        if (seed != null) {
            seed.shutdownTestKit();
        }
    }

    @Test
    void evaluatorsOnBothNodesTakeWork() {
        seed = ActorTestKit.create("crucible", CLUSTER);
        other = ActorTestKit.create("crucible", CLUSTER);
        Cluster seedCluster = Cluster.get(seed.system());
        seedCluster.manager().tell(Join.create(seedCluster.selfMember().address()));
        Cluster.get(other.system()).manager().tell(Join.create(seedCluster.selfMember().address()));
        TestProbe<Object> waiter = seed.createTestProbe();
        waiter.awaitAssert(Duration.ofSeconds(10), () -> {
            assertThat(seedCluster.state().getMembers()).hasSize(2).allMatch(m -> m.status() == MemberStatus.up());
            return null;
        });

        EvaluatorPoolTest.Adders seedModels = new EvaluatorPoolTest.Adders(20);
        EvaluatorPoolTest.Adders otherModels = new EvaluatorPoolTest.Adders(20);
        seed.spawn(Evaluator.create(seedModels));
        other.spawn(Evaluator.create(otherModels));
        TestProbe<Receptionist.Listing> listing = seed.createTestProbe();
        listing.awaitAssert(Duration.ofSeconds(10), () -> {
            seed.system().receptionist().tell(Receptionist.find(Evaluator.SERVICE_KEY, listing.getRef()));
            assertThat(listing.receiveMessage().getServiceInstances(Evaluator.SERVICE_KEY)).hasSize(2);
            return null;
        });
        ActorRef<EvaluatorPool.Command> pool = seed.spawn(EvaluatorPool.create(EvaluatorPoolTest.SETTINGS));
        Task add = TaskLoader.load(TaskSpec.of("add", TaskFiles.zoo().resolve("add_dev.jsonl")));
        TestProbe<EvaluationResult> reply = seed.createTestProbe();

        pool.tell(new EvaluatorPool.Evaluate(new ModelRef.Folder(Path.of("/models/shared")), List.of(add), reply.getRef()));
        TaskScore score = reply.expectMessageClass(EvaluationResult.class, Duration.ofSeconds(10)).scores().get("add");

        assertThat(score.ok()).isTrue();
        assertThat(score.score()).isEqualTo(1.0);
        assertThat(score.n()).isEqualTo(200);
        assertThat(seedModels.calls()).isPositive();
        assertThat(otherModels.calls()).isPositive();
        assertThat(seedModels.calls() + otherModels.calls()).isEqualTo(20);

        // An in-memory candidate cannot travel: only the evaluator on the pool's node may take it.
        int otherCallsBefore = otherModels.calls();
        ModelRef candidate = new ModelRef.InMemory("candidate", () -> dev.crucible.task.ScriptedModel.adder("candidate"));
        pool.tell(new EvaluatorPool.Evaluate(candidate, List.of(add), reply.getRef()));
        TaskScore local = reply.expectMessageClass(EvaluationResult.class, Duration.ofSeconds(10)).scores().get("add");

        assertThat(local.score()).isEqualTo(1.0);
        assertThat(otherModels.calls()).isEqualTo(otherCallsBefore);
    }
}
