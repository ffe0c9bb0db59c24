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
        int code = crucible("demo", "--exit", "--zoo", ZOO.toString(), "--work", work.toString(), "--port", "0",
                "--limit", "8", "--dev-limit", "8", "--evolve-evaluations", "4");
        String said = out.toString();
        assertThat(code).as(said + err).isZero();

        assertThat(said).contains("[1/5]", "[2/5]", "[3/5]", "[4/5]", "[5/5]");
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
    }

    @Test
    void refusesANonEmptyWorkFolderWithoutForce() throws IOException {
        Path work = Files.createDirectories(dir.resolve("busy"));
        Files.writeString(work.resolve("keep.txt"), "earlier work");

        int code = crucible("demo", "--exit", "--zoo", ZOO.toString(), "--work", work.toString());

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
    void rejectsABudgetTooSmallForOneGeneration() {
        int code = crucible("demo", "--exit", "--zoo", ZOO.toString(), "--evolve-evaluations", "1");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: --evolve-evaluations: must be at least 2");
    }
}
