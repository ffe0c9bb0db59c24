package dev.crucible.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.cli.CrucibleMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AppCommandsTest {

    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = CrucibleMain.commandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void workerIsListedRightAfterRun() {
        List<String> names = List.copyOf(CrucibleMain.commandLine().getSubcommands().keySet());

        assertThat(names.indexOf("worker")).isEqualTo(names.indexOf("run") + 1);
        Object worker = CrucibleMain.commandLine().getSubcommands().get("worker").getCommand();
        assertThat(worker).isInstanceOf(WorkerCommand.class);
    }

    @Test
    void runReportsABadConfigInOneLine(@TempDir Path dir) throws Exception {
        Path app = Files.writeString(dir.resolve("app.yml"), "recipe: r.yml\n");

        assertThat(run("run", dir.resolve("missing.yml").toString())).isEqualTo(2);
        assertThat(run("run", app.toString())).isEqualTo(2);

        assertThat(err.toString().lines().toList()).containsExactly(
                "error: " + dir.resolve("missing.yml") + ": app config file not found",
                "error: " + app + ": initial_base: missing; give a folder path (relative paths resolve against the "
                        + "config file's folder)");
    }

    @Test
    void runRefusesARecipeWithoutTheBasePlaceholder(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("recipe.yml"), "merge_method: linear\nmodels: [a, b]\n");
        Path app = Files.writeString(dir.resolve("app.yml"), """
                recipe: recipe.yml
                initial_base: base
                bases_dir: bases
                tasks: [{name: add, path: add.jsonl}]
                gates: {max_task_drop: 0.02}
                state_dir: state
                """);

        assertThat(run("run", app.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: recipe: " + dir.resolve("recipe.yml") + " must name the base as base_model: ${BASE}");
    }

    @Test
    void workerNeedsTheClusterEnabled(@TempDir Path dir) throws Exception {
        Path app = Files.writeString(dir.resolve("app.yml"), """
                recipe: recipe.yml
                initial_base: base
                bases_dir: bases
                tasks: [{name: add, path: add.jsonl}]
                gates: {max_task_drop: 0.02}
                state_dir: state
                """);

        assertThat(run("worker", app.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("cluster.enabled is false");
    }
}
