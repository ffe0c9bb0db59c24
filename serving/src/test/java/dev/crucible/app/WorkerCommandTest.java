package dev.crucible.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.crucible.cluster.ClusterMembership;
import dev.crucible.cluster.JoinMethod;
import dev.crucible.error.CrucibleException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code crucible worker}: the membership comes from the flags, over APP.yml's cluster section, over {@code crucible.cluster}. */
class WorkerCommandTest {

    static final Config DEFAULTS = ConfigFactory.load().getConfig("crucible.cluster");

    private static final String APP = """
            recipe: recipe.yml
            initial_base: base
            bases_dir: bases
            tasks: [{name: add, path: add.jsonl}]
            gates: {max_task_drop: 0.02}
            state_dir: state
            """;

    private static WorkerCommand parse(String... args) {
        WorkerCommand worker = new WorkerCommand();
        new CommandLine(worker).parseArgs(args);
        return worker;
    }

    @Test
    void flagsAloneOverrideCrucibleCluster() {
        WorkerCommand worker = parse("--seed-nodes", "10.0.0.1:7355,10.0.0.2:7355", "--host", "10.0.0.9",
                "--port", "0", "--evaluators", "3");

        ClusterMembership membership = worker.membership(ConfigFactory.parseString("seed-nodes = [\"ignored:1\"], port = 9000")
                .withFallback(DEFAULTS));

        assertThat(membership.joinMethod()).isEqualTo(JoinMethod.SEED_NODES);
        assertThat(membership.seedNodes()).containsExactly("pekko://crucible-eval@10.0.0.1:7355",
                "pekko://crucible-eval@10.0.0.2:7355");
        assertThat(membership.host()).isEqualTo("10.0.0.9");
        assertThat(membership.port()).isZero();
        assertThat(worker.evaluators).isEqualTo(3);
    }

    @Test
    void theAppConfigsClusterSectionIsJoinedAndFlagsOverrideIt(@TempDir Path dir) throws Exception {
        Path app = Files.writeString(dir.resolve("app.yml"), APP + """
                cluster:
                  enabled: true
                  discovery: kubernetes
                  remoting_port: 7400
                  management_port: 7700
                """);

        ClusterMembership fromFile = parse(app.toString()).membership(DEFAULTS);
        ClusterMembership overridden = parse(app.toString(), "--port", "7500", "--discovery", "seed-nodes",
                "--seed-nodes", "10.0.0.1:7355").membership(DEFAULTS);

        assertThat(fromFile.joinMethod()).isEqualTo(JoinMethod.KUBERNETES);
        assertThat(fromFile.port()).isEqualTo(7400);
        assertThat(fromFile.managementPort()).isEqualTo(7700);
        assertThat(fromFile.pekkoConfig().getString("pekko.discovery.kubernetes-api.pod-label-selector"))
                .isEqualTo("crucible.dev/cluster=%s");
        assertThat(overridden.joinMethod()).isEqualTo(JoinMethod.SEED_NODES);
        assertThat(overridden.port()).isEqualTo(7500);
        assertThat(overridden.seedNodes()).containsExactly("pekko://crucible-eval@10.0.0.1:7355");
    }

    @Test
    void anAppConfigWithTheClusterOffIsRefused(@TempDir Path dir) throws Exception {
        Path app = Files.writeString(dir.resolve("app.yml"), APP);

        assertThatThrownBy(() -> parse(app.toString()).membership(DEFAULTS))
                .isInstanceOf(CrucibleException.class).hasMessage(app + ": cluster.enabled is false; a worker only makes "
                        + "sense in a cluster");
    }

    @Test
    void noSeedsAnywhereNamesTheFlag() {
        assertThatThrownBy(() -> parse().membership(DEFAULTS))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("--seed-nodes");
    }
}
