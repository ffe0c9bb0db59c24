package dev.crucible.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults injected into a running {@code crucible run} (HTTP, state_dir, restarts; stand-in merges and
 * evaluations from {@link FakeRemerge} so each case takes seconds): a stray folder, a copy that pauses,
 * a manual promotion across a restart, kill -9 during an evaluation and SIGTERM during a merge (both
 * in a process of their own).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunFaultsTest {

    private static final String TOKEN = "faults-secret";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<AutoCloseable> running = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
        for (AutoCloseable c : running.reversed()) {
            c.close();
        }
    }

    @Test
    void aStrayEmptyFolderDoesNotHoldUpARealBaseAndIsListedAsWaiting() throws Exception {
        AppConfig config = config();
        URI uri = start(config).baseUri();
        Files.createDirectories(config.basesDir().resolve("aaa-stray"));
        eventually(() -> bases(uri).toString().contains("aaa-stray"));

        long start = System.nanoTime();
        base(config.basesDir().resolve("v2"), 0.60, 0.40);
        eventually(() -> decisions(uri).contains("PROMOTED"));
        System.out.printf("run, stray folder present: the real base was promoted %.2f s after it appeared%n",
                (System.nanoTime() - start) / 1e9);

        JsonNode waiting = bases(uri);
        assertThat(waiting).hasSize(1);
        assertThat(waiting.get(0).path("state").asText()).isEqualTo("waiting");
        assertThat(waiting.get(0).path("detail").asText()).isEqualTo("still missing config.json");
        assertThat(get(uri, "/v1/models").body()).contains("c0002-v2");
    }

    @Test
    void aCopyThatPausesIsMergedHalfWrittenFailsAndIsRetriedOnceComplete() throws Exception {
        AppConfig config = config();
        URI uri = start(config).baseUri();
        Path paused = base(config.basesDir().resolve("paused"), 0.60, 0.40);
        Files.write(paused.resolve("model.safetensors"), new byte[16]);
        eventually(() -> decisions(uri).contains("FAILED"));
        eventually(() -> bases(uri).toString().contains("\"state\":\"failed\""));

        long start = System.nanoTime();
        Files.write(paused.resolve("model.safetensors"), new byte[64]);
        eventually(() -> decisions(uri).contains("PROMOTED"));
        System.out.printf("run, paused copy: promoted %.2f s after the copy completed%n", (System.nanoTime() - start) / 1e9);

        assertThat(decisions(uri)).containsExactly("INITIAL", "FAILED", "PROMOTED");
        assertThat(bases(uri)).isEmpty();
    }

    @Test
    void aManualPromotionIsInTheHistoryAndStillServedAfterARestart() throws Exception {
        AppConfig config = config();
        RemergeApp first = start(config);
        Path mine = base(dir.resolve("models/mine"), 0.58, 0.45);

        HttpResponse<String> promoted = post(first.baseUri(), "/admin/promote", "{\"path\": \"" + mine + "\"}");

        assertThat(promoted.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(promoted.body()).path("version").asText()).isEqualTo("v2");
        assertThat(get(first.baseUri(), "/v1/models").body()).contains("\"mine\"");
        assertThat(decisions(first.baseUri())).containsExactly("INITIAL", "MANUAL");
        first.close();

        RemergeApp second = start(config);
        URI uri = second.baseUri();
        assertThat(get(uri, "/v1/models").body()).contains("\"mine\"");
        JsonNode history = JSON.readTree(get(uri, "/admin/history").body());
        assertThat(history.path("champion").path("dir").asText()).isEqualTo(mine.toString());
        assertThat(decisions(uri)).containsExactly("INITIAL", "MANUAL");
        assertThat(post(uri, "/admin/rollback", "").statusCode()).isEqualTo(200);
        assertThat(get(uri, "/v1/models").body()).contains("c0001-initial");
        assertThat(post(uri, "/admin/promote", "{\"path\": \"" + dir.resolve("nowhere") + "\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void killDashNineDuringAnEvaluationLeavesNoOrphanAfterARestart() throws Exception {
        AppConfig config = config();
        Process child = startProcess();
        Files.writeString(dir.resolve("hold-evaluation"), "");
        Path v2 = base(config.basesDir().resolve("v2"), 0.60, 0.40);
        eventually(() -> Files.exists(dir.resolve("evaluating")));
        Path candidate = config.stateDir().resolve("candidates/c0002-v2");
        assertThat(candidate.resolve("config.json")).exists();

        child.destroyForcibly();
        assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        Files.delete(dir.resolve("hold-evaluation"));

        long start = System.nanoTime();
        URI uri = start(config).baseUri();
        assertThat(candidate).doesNotExist();
        eventually(() -> decisions(uri).contains("PROMOTED"));
        System.out.printf("run after kill -9: restarted and re-merged in %.2f s%n", (System.nanoTime() - start) / 1e9);
        JsonNode last = JSON.readTree(get(uri, "/admin/history").body()).path("history").get(1);
        assertThat(last.path("base").asText()).isEqualTo(v2.toString());
        assertThat(candidates(config)).containsExactly("c0001-initial", last.path("id").asText());
    }

    @Test
    void sigtermDuringAMergeRecordsItAsInterruptedAndTheNextStartMergesItAgain() throws Exception {
        AppConfig config = config();
        Process child = startProcess();
        Files.writeString(dir.resolve("hold-merge"), "");
        base(config.basesDir().resolve("v2"), 0.60, 0.40);
        eventually(() -> Files.exists(dir.resolve("merging")));

        child.destroy();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Files.delete(dir.resolve("hold-merge"));

        URI uri = start(config).baseUri();
        eventually(() -> decisions(uri).contains("PROMOTED"));
        assertThat(decisions(uri)).containsExactly("INITIAL", "INTERRUPTED", "PROMOTED");
        JsonNode interrupted = JSON.readTree(get(uri, "/admin/history").body()).path("history").get(1);
        assertThat(interrupted.path("reasons").get(0).asText()).isEqualTo("stopped during merge; merged again on the next start");
        assertThat(candidates(config)).hasSize(2);
    }

    private RemergeApp start(AppConfig config) {
        RemergeApp app = FakeRemerge.start(config, dir);
        running.add(app);
        return app;
    }

    /** Runs {@link FakeRemerge#main} as its own JVM, so that it can be killed; returns once it serves. */
    private Process startProcess() throws Exception {
        Path log = dir.resolve("child.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FakeRemerge.class.getName(), dir.resolve("app.yml").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        eventually(() -> {
            try {
                return !p.isAlive() || Files.readString(log).lines().anyMatch(l -> l.startsWith("ready "));
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(p.isAlive()).as("child started; its log:%n%s", Files.readString(log)).isTrue();
        return p;
    }

    private AppConfig config() throws IOException {
        dev.crucible.serve.AdminTokens.write(dir.resolve("token.txt"), TOKEN);
        Files.writeString(dir.resolve("recipe.yml"), "merge_method: linear\nbase_model: ${BASE}\nmodels: [{model: ${BASE}}]\n");
        Files.createDirectories(dir.resolve("bases"));
        base(dir.resolve("initial"), 0.50, 0.40);
        Path app = dir.resolve("app.yml");
        Files.writeString(app, """
                serve: {host: 127.0.0.1, port: 0, admin_token_file: token.txt}
                recipe: recipe.yml
                initial_base: initial
                bases_dir: bases
                tasks: [{name: add, path: add.jsonl}, {name: rev, path: rev.jsonl}]
                gates: {max_task_drop: 0.02}
                state_dir: state
                watch: {poll_seconds: 0.05, stable_seconds: 0.2}
                """);
        return AppConfigParser.parse(app);
    }

    /** A stand-in checkpoint: complete as the probe sees it, its quality in a file the fakes read. */
    private static Path base(Path base, double add, double rev) throws IOException {
        Files.createDirectories(base);
        Files.writeString(base.resolve("quality"), add + " " + rev);
        Files.write(base.resolve("model.safetensors"), new byte[64]);
        Files.writeString(base.resolve("config.json"), "{}");
        return base;
    }

    private static List<String> candidates(AppConfig config) throws IOException {
        try (Stream<Path> list = Files.list(config.stateDir().resolve("candidates"))) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private List<String> decisions(URI uri) {
        try {
            List<String> out = new ArrayList<>();
            JSON.readTree(get(uri, "/admin/history").body()).path("history").forEach(e -> out.add(e.path("decision").asText()));
            return out;
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private JsonNode bases(URI uri) {
        try {
            return JSON.readTree(get(uri, "/admin/bases").body()).path("bases");
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** A client per request: a kept-alive connection would hold up the server's drain when a test restarts it. */
    private static HttpClient client() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    private HttpResponse<String> get(URI base, String path) throws IOException, InterruptedException {
        try (HttpClient http = client()) {
            return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private HttpResponse<String> post(URI base, String path, String body) throws IOException, InterruptedException {
        try (HttpClient http = client()) {
            return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 60 s");
            }
            Thread.sleep(25);
        }
    }
}
