package dev.crucible.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.cli.CrucibleMain;
import dev.crucible.fixtures.Fixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code crucible demo --exit} on the zoo with tiny budgets, through the CLI as a user runs it. */
class DemoCommandTest {

    private static final Path ZOO = Fixtures.zoo();
    private static final Path ZOO2 = Fixtures.zoo2();

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int crucible(String... args) {
        CommandLine cl = CrucibleMain.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void tellsEveryStepDecidesOnTheNewBaseAndStopsServing() throws Exception {
        Path work = dir.resolve("run");
        int code = crucible("demo", "--exit", "--zoo", ZOO.toString(), "--zoo2", ZOO2.toString(), "--work",
                work.toString(), "--port", "0", "--limit", "8", "--dev-limit", "8", "--evolve-evaluations", "4");
        String said = out.toString();
        assertThat(code).as(said + err).isZero();

        assertThat(said).contains("[1/7]", "[2/7]", "[3/7]", "[4/7]", "[5/7]", "[6/7] zoo2", "[7/7]");
        assertThat(said).containsPattern("task_arithmetic +merged \\d+ tensors");
        assertThat(said).containsPattern("ties +merged \\d+ tensors");
        assertThat(said).containsPattern("expert-add +expert +\\d+\\.\\d% +\\d+\\.\\d%");
        assertThat(said).containsPattern("evolved +evolved +\\d+\\.\\d%");
        assertThat(said).containsPattern("evolved vs best hand merge \\(\\w+\\): [+-]\\d+\\.\\d points");
        assertThat(said).contains("curl http://127.0.0.1:", "/v1/completions", "/v1/models", "/metrics");
        assertThat(said).containsPattern("asked it: \"add 12 34 =\" -> \".*\"");
        assertThat(said).containsPattern("(PROMOTED|REJECTED) c\\d+-base-v2: dev add \\d+\\.\\d%");
        assertThat(said).containsPattern("serving v\\d");
        assertThat(said).contains("stopped; everything is in " + work);

        // zoo2: every weight merge, mergekit's gate modes and the calibrated mixture in one table, then served.
        for (String row : new String[] {"linear +hand merge", "task_arithmetic +hand merge", "ties +hand merge",
                "moe hidden top-1 +moe, mergekit gates", "moe cheap_embed top-1 +moe, mergekit gates",
                "moe random top-1 +moe, mergekit gates", "moe calibrated top-1 +moe, calibrated"}) {
            assertThat(said).containsPattern(row + " +\\d+\\.\\d% +\\d+\\.\\d% +\\d+\\.\\d%");
        }
        assertThat(said).containsPattern("weight merges lose both skills: the best, \\w+, keeps \\d+\\.\\d%");
        assertThat(said).containsPattern("calibrated routers keep both: add \\d+\\.\\d%, rev \\d+\\.\\d%");
        assertThat(said).containsPattern("asked it the first test item of add_test.jsonl: \"add 78 68 =\" -> \".*\"  "
                + "\\(expected \" 146\"\\)");
        assertThat(said).containsPattern("asked it the first test item of rev_test.jsonl: \"rev rahh =\" -> \".*\"  "
                + "\\(expected \" hhar\"\\)");
        assertThat(work.resolve("zoo2/moe.yml")).content().contains("gate_mode: calibrated", "add 20 67 = 87");
        assertThat(work.resolve("zoo2/recipes/ties.yml")).content().contains("merge_method: ties", "density: 0.5");
        assertThat(work.resolve("zoo2/moe-calibrated/config.json")).content().contains("MixtralForCausalLM");
        Matcher moeUrl = Pattern.compile("serving \\S+moe-calibrated on (http://127\\.0\\.0\\.1:\\d+)").matcher(said);
        assertThat(moeUrl.find()).as(said).isTrue();

        assertThat(work.resolve("merges/ties/config.json")).isRegularFile();
        assertThat(work.resolve("evolve/best-recipe.yml")).isRegularFile();
        assertThat(work.resolve("service/state")).isDirectory();
        assertThat(Files.readString(work.resolve("service/recipe.yml")))
                .contains("${BASE}").contains("task_vector_base: " + ZOO.resolve("base"));

        Matcher url = Pattern.compile("serves as v1 on (http://127\\.0\\.0\\.1:\\d+)").matcher(said);
        assertThat(url.find()).as(said).isTrue();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create(url.group(1) + "/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString()))
                .as("--exit leaves nothing listening").isInstanceOf(ConnectException.class);
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create(moeUrl.group(1) + "/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString()))
                .as("--exit stops the mixture's server too").isInstanceOf(ConnectException.class);
    }

    @Test
    void refusesANonEmptyWorkFolderWithoutForce() throws IOException {
        Path work = Files.createDirectories(dir.resolve("busy"));
        Files.writeString(work.resolve("keep.txt"), "earlier work");

        int code = crucible("demo", "--exit", "--zoo", ZOO.toString(), "--zoo2", ZOO2.toString(), "--work",
                work.toString());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: --work " + work + ": is not empty").contains("--force");
        assertThat(work.resolve("keep.txt")).hasContent("earlier work");
    }

    @Test
    void namesTheMissingZoo() {
        int code = crucible("demo", "--exit", "--zoo", dir.resolve("nowhere").toString());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: --zoo " + dir.resolve("nowhere") + ": not a folder")
                .doesNotContain("Exception");
    }

    @Test
    void namesTheMissingMoeZoo() {
        int code = crucible("demo", "--exit", "--zoo", ZOO.toString(), "--zoo2", dir.toString(), "--work",
                dir.resolve("run").toString());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: --zoo2 " + dir + ": model folder base/ (with config.json) "
                + "is missing").doesNotContain("Exception");
        assertThat(dir.resolve("run")).doesNotExist();
    }

    @Test
    void rejectsABudgetTooSmallForOneGeneration() {
        int code = crucible("demo", "--exit", "--zoo", ZOO.toString(), "--evolve-evaluations", "1");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: --evolve-evaluations: must be at least 2");
    }
}
