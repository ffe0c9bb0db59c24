package dev.crucible.app;

import dev.crucible.task.TaskSelection;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.error.CrucibleException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AppConfigParserTest {

    private static final Path FILE = Path.of("/srv/crucible/app.yml");

    private static final String ISSUE_EXAMPLE = """
            serve: {host: 127.0.0.1, port: 8080, admin_token_file: token.txt}
            recipe: recipe.yml            # a merge recipe whose base_model is ${BASE}
            initial_base: zoo/base        # the champion is built from it at start-up
            bases_dir: bases/             # new base checkpoints appear here, one folder each
            tasks: [{name: add, path: zoo/add_dev.jsonl}, {name: rev, path: zoo/rev_dev.jsonl}]
            gates: {max_task_drop: 0.02}  # promote when the mean is not lower and no task drops more than this
            state_dir: state/             # history, candidates, champion pointer
            """;

    @Test
    void readsTheIssueExampleWithPathsRelativeToTheConfigFile() {
        AppConfig config = AppConfigParser.parse(ISSUE_EXAMPLE, FILE);

        assertThat(config.serve().host()).isEqualTo("127.0.0.1");
        assertThat(config.serve().port()).isEqualTo(8080);
        assertThat(config.serve().adminTokenFile()).contains(Path.of("/srv/crucible/token.txt"));
        assertThat(config.recipe()).isEqualTo(Path.of("/srv/crucible/recipe.yml"));
        assertThat(config.initialBase()).isEqualTo(Path.of("/srv/crucible/zoo/base"));
        assertThat(config.basesDir()).isEqualTo(Path.of("/srv/crucible/bases"));
        assertThat(config.stateDir()).isEqualTo(Path.of("/srv/crucible/state"));
        assertThat(config.tasks()).extracting(TaskSelection::name).containsExactly("add", "rev");
        assertThat(config.tasks().get(1).path()).isEqualTo(Path.of("/srv/crucible/zoo/rev_dev.jsonl"));
        assertThat(config.gates()).isEqualTo(new GateSettings(0.02, 0.0));
        assertThat(config.watch()).isEqualTo(WatchSettings.defaults());
        assertThat(config.cluster()).isEqualTo(ClusterSettings.disabled());
    }

    @Test
    void serveSectionDefaultsToLoopbackOnThePortTheManifestsExpose() {
        AppConfig config = AppConfigParser.parse(ISSUE_EXAMPLE.replaceFirst("serve:.*\n", ""), FILE);

        assertThat(config.serve()).isEqualTo(ServeSettings.defaults());
        assertThat(config.serve().port()).isEqualTo(ServeSettings.DEFAULT_PORT);
    }

    @Test
    void serveSectionTakesModelAliasesAndAllowedOrigins() {
        AppConfig config = AppConfigParser.parse(ISSUE_EXAMPLE.replaceFirst("serve:.*\n",
                "serve: {served_model_names: [crucible, team/adder], allowed_origins: 'https://app.example'}\n"), FILE);
        assertThat(config.serve().servedModelNames()).containsExactly("crucible", "team/adder");
        assertThat(config.serve().allowedOrigins()).containsExactly("https://app.example");
        assertThat(dev.crucible.app.RemergeApp.serveConfig(config).servedModelNames()).containsExactly("crucible", "team/adder");
        assertThatThrownBy(() -> AppConfigParser.parse(ISSUE_EXAMPLE.replaceFirst("serve:.*\n",
                "serve: {served_model_names: [1]}\n"), FILE))
                .hasMessageContaining("serve.served_model_names: expected a list of names such as [crucible, my-model], got 1");
    }

    @Test
    void readsOptionalTaskFieldsWatchAndCluster() {
        String yaml = ISSUE_EXAMPLE.replace("tasks: [{name: add, path: zoo/add_dev.jsonl}, {name: rev, path: zoo/rev_dev.jsonl}]",
                "tasks: [{name: add, path: /data/add.jsonl, extract: '(\\d+)', max_new_tokens: 6, limit: 40}]")
                + """
                watch: {poll_seconds: 0.25, stable_seconds: 1.5}
                cluster:
                  enabled: true
                  discovery: config
                  seed_nodes: [pekko://crucible-eval@127.0.0.1:7355]
                  remoting_port: 7356
                  host: 127.0.0.1
                """;
        AppConfig config = AppConfigParser.parse(yaml, FILE);

        TaskSelection task = config.tasks().getFirst();
        assertThat(task.path()).isEqualTo(Path.of("/data/add.jsonl"));
        assertThat(task.spec().extract()).isEqualTo("(\\d+)");
        assertThat(task.spec().maxNewTokens()).isEqualTo(6);
        assertThat(task.limit()).hasValue(40);
        assertThat(config.watch()).isEqualTo(new WatchSettings(Duration.ofMillis(250), Duration.ofMillis(1500)));
        assertThat(config.cluster().enabled()).isTrue();
        assertThat(config.cluster().seedNodes()).containsExactly("pekko://crucible-eval@127.0.0.1:7355");
        assertThat(config.cluster().remotingPort()).isEqualTo(7356);
        assertThat(config.cluster().managementPort()).isEqualTo(ClusterSettings.DEFAULT_MANAGEMENT_PORT);
        assertThat(config.cluster().host()).contains("127.0.0.1");
    }

    @Test
    void missingGatesIsNamedWithAnExample() {
        assertThatThrownBy(() -> AppConfigParser.parse(ISSUE_EXAMPLE.replaceFirst("gates:.*\n", ""), FILE))
                .isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith(FILE + ": gates: missing")
                .hasMessageContaining("max_task_drop: 0.02");
    }

    @Test
    void wrongTypesNameTheField() {
        assertThatThrownBy(() -> AppConfigParser.parse(ISSUE_EXAMPLE.replace("max_task_drop: 0.02", "max_task_drop: lots"), FILE))
                .hasMessageContaining("gates.max_task_drop: expected a number");
        assertThatThrownBy(() -> AppConfigParser.parse(ISSUE_EXAMPLE.replace("port: 8080", "port: 99999"), FILE))
                .hasMessageContaining("serve.port: 99999 is out of range");
        assertThatThrownBy(() -> AppConfigParser.parse(ISSUE_EXAMPLE.replace("{name: rev, path: zoo/rev_dev.jsonl}", "{name: rev}"), FILE))
                .hasMessageContaining("tasks[1].path: missing");
        assertThatThrownBy(() -> AppConfigParser.parse(ISSUE_EXAMPLE.replace("name: rev", "name: add"), FILE))
                .hasMessageContaining("tasks[1].name: 'add' is listed twice");
    }

    @Test
    void unknownKeysAreListedWithTheKnownOnes() {
        assertThatThrownBy(() -> AppConfigParser.parse(ISSUE_EXAMPLE + "gate: {}\n", FILE))
                .hasMessageContaining("gate: unknown key")
                .hasMessageContaining("gates");
        assertThatThrownBy(() -> AppConfigParser.parse(ISSUE_EXAMPLE.replace("max_task_drop", "max_drop"), FILE))
                .hasMessageContaining("gates.max_drop: unknown key");
    }

    @Test
    void clusterWithConfigDiscoveryNeedsSeedNodes() {
        assertThatThrownBy(() -> AppConfigParser.parse(ISSUE_EXAMPLE + "cluster: {enabled: true}\n", FILE))
                .hasMessageContaining("cluster.seed_nodes: missing");
        assertThatThrownBy(() -> AppConfigParser.parse(ISSUE_EXAMPLE + "cluster: {enabled: true, discovery: dns}\n", FILE))
                .hasMessageContaining("cluster.discovery: unknown value 'dns'");
        assertThatThrownBy(() -> AppConfigParser.parse(ISSUE_EXAMPLE
                + "cluster: {enabled: true, seed_nodes: ['akka://other@h:1']}\n", FILE))
                .hasMessageContaining("cluster.seed_nodes[0]: expected an address like pekko://crucible-eval@");
        AppConfig k8s = AppConfigParser.parse(ISSUE_EXAMPLE + "cluster: {enabled: true, discovery: kubernetes}\n", FILE);
        assertThat(k8s.cluster().discovery()).isEqualTo(Discovery.KUBERNETES);
    }

    @Test
    void brokenYamlReportsTheLine() {
        assertThatThrownBy(() -> AppConfigParser.parse("serve: {host: [\n", FILE))
                .isInstanceOf(CrucibleException.class)
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void missingFileIsOneLine(@org.junit.jupiter.api.io.TempDir Path dir) {
        assertThatThrownBy(() -> AppConfigParser.parse(dir.resolve("nope.yml")))
                .hasMessageEndingWith("nope.yml: app config file not found");
    }
}
