package dev.crucible.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.error.CrucibleException;
import dev.crucible.task.TaskFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class EvalCommandTest {

    static final Path ZOO = TaskFiles.zoo();

    /** Runs the command; user errors propagate as {@link CrucibleException} as they would to the CLI main. */
    static String run(int expectedExit, String... args) {
        StringWriter out = new StringWriter();
        Exception[] thrown = new Exception[1];
        CommandLine cli = new CommandLine(new EvalCommand())
                .setOut(new PrintWriter(out))
                .setExecutionExceptionHandler((e, commandLine, parsed) -> {
                    thrown[0] = e;
                    return 2;
                });
        int exit = cli.execute(args);
        if (thrown[0] instanceof RuntimeException e) {
            throw e;
        }
        assertThat(exit).isEqualTo(expectedExit);
        return out.toString();
    }

    @Test
    void printsJsonScoresForEachTask() throws Exception {
        String out = run(0, ZOO.resolve("expert-rev").toString(),
                "--task", "rev=" + ZOO.resolve("rev_dev.jsonl"), "--task", "add=" + ZOO.resolve("add_dev.jsonl"),
                "--limit", "40", "--batch-size", "16", "--evaluators", "2", "--json");

        JsonNode tasks = new ObjectMapper().readTree(out).get("tasks");
        assertThat(tasks.fieldNames()).toIterable().containsExactly("rev", "add");
        JsonNode rev = tasks.get("rev");
        assertThat(rev.get("metric").asText()).isEqualTo("accuracy");
        assertThat(rev.get("n").asInt()).isEqualTo(40);
        assertThat(rev.get("score").asDouble()).isGreaterThan(0.9);
        assertThat(rev.get("ci95").get(0).asDouble()).isLessThan(rev.get("score").asDouble());
        assertThat(rev.get("items_per_second").asDouble()).isPositive();
    }

    @Test
    void printsATableWithPerplexityMarkedLowerIsBetter() {
        String out = run(0, ZOO.resolve("base").toString(), "--task", "text=" + ZOO.resolve("text_test.txt"), "--limit", "20");

        assertThat(out.lines().toList()).hasSize(2);
        assertThat(out).contains("text", "perplexity (lower is better)", "20");
    }

    @Test
    void failedModelExitsOneAndSaysWhy(@org.junit.jupiter.api.io.TempDir Path empty) {
        String out = run(1, empty.toString(), "--task", "add=" + ZOO.resolve("add_dev.jsonl"), "--limit", "5");

        assertThat(out).contains("add", "FAILED: model folder:" + empty);
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        String model = ZOO.resolve("base").toString();
        String task = "add=" + ZOO.resolve("add_dev.jsonl");

        assertThatThrownBy(() -> run(2, model, "--task", "add"))
                .isInstanceOf(CrucibleException.class).hasMessage("--task 'add': expected NAME=PATH");
        assertThatThrownBy(() -> run(2, model, "--task", task, "--task", task))
                .hasMessage("--task add given twice; task names must be unique");
        assertThatThrownBy(() -> run(2, model, "--task", task, "--extract", "rev=(\\d+)"))
                .hasMessage("--extract rev: no --task of that name (tasks: [add])");
        assertThatThrownBy(() -> run(2, "/no/such/model", "--task", task))
                .hasMessage("model folder /no/such/model not found");
        assertThatThrownBy(() -> run(2, model, "--task", task, "--limit", "0"))
                .hasMessage("--limit must be at least 1, got 0");
    }
}
