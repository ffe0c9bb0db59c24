package dev.crucible.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.fixtures.Fixtures;
import dev.crucible.remerge.Decision;
import dev.crucible.remerge.HistoryEntry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crucible run} on the zoo, end to end with real merges, evaluations and models. The champion
 * starts on {@code base-v2} (the zoo's re-merge onto it scores 0.26 / 0.37); the original {@code base}
 * then appears in {@code bases_dir}, its merge scores higher and is promoted while clients keep
 * asking; {@code base-v2} announced again over HTTP under another name is rejected by the gates.
 */
class RunEndToEndTest {

    private static final Path ZOO = Fixtures.zoo();
    private static final String TOKEN = "e2e-secret";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aBetterBaseIsPromotedWithoutAFailedRequestAndAWorseOneRejected() throws Exception {
        AppConfig config = writeConfig();
        try (RemergeApp app = RemergeApp.start(config, RemergeApp.serveConfig(config))) {
            URI base = app.baseUri();
            assertThat(get(base, "/ready", false).statusCode()).isEqualTo(200);
            assertThat(get(base, "/v1/models", false).body()).contains("\"version\":\"v1\"");

            List<Integer> statuses = new CopyOnWriteArrayList<>();
            Map<String, AtomicInteger> versions = new ConcurrentHashMap<>();
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService clients = Executors.newFixedThreadPool(2);
            for (int i = 0; i < 2; i++) {
                clients.submit(() -> {
                    while (running.get()) {
                        HttpResponse<String> r = post(base, "/v1/completions",
                                "{\"prompt\": \"add 12 34 =\", \"max_tokens\": 4, \"temperature\": 0}", false);
                        statuses.add(r.statusCode());
                        if (r.statusCode() == 200) {
                            versions.computeIfAbsent(JSON.readTree(r.body()).path("system_fingerprint").asText(),
                                    v -> new AtomicInteger()).incrementAndGet();
                        }
                    }
                    return null;
                });
            }

            copyCheckpoint(ZOO.resolve("base"), config.basesDir().resolve("base-next"));
            eventually(() -> decisions(app).contains(Decision.PROMOTED));
            eventually(() -> versions.containsKey("v2"));

            Path again = copyCheckpoint(ZOO.resolve("base-v2"), dir.resolve("elsewhere/base-v2-again"));
            HttpResponse<String> announced = post(base, "/admin/bases", "{\"path\": \"" + again + "\"}", true);
            assertThat(announced.statusCode()).isEqualTo(202);
            eventually(() -> decisions(app).contains(Decision.REJECTED));

            running.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

            assertThat(statuses).isNotEmpty().containsOnly(200);
            assertThat(versions).containsKeys("v1", "v2");
            List<HistoryEntry> history = app.service().history();
            assertThat(history).extracting(HistoryEntry::decision)
                    .containsExactly(Decision.INITIAL, Decision.PROMOTED, Decision.REJECTED);
            HistoryEntry promoted = history.get(1);
            assertThat(promoted.meanGain()).isPositive();
            assertThat(promoted.version()).isEqualTo("v2");
            assertThat(get(base, "/v1/models", false).body()).contains("\"version\":\"v2\"");

            assertThat(get(base, "/admin/history", false).statusCode()).isEqualTo(401);
            JsonNode listed = JSON.readTree(get(base, "/admin/history", true).body());
            assertThat(listed.path("history")).hasSize(3);
            assertThat(listed.path("champion").path("id").asText()).isEqualTo(promoted.id());

            String metrics = get(base, "/metrics", false).body();
            assertThat(metrics).contains("crucible_remerge_decisions_total{decision=\"promoted\"} 1.0");
            assertThat(metrics).contains("crucible_remerge_decisions_total{decision=\"rejected\"} 1.0");
            assertThat(metrics).containsPattern("crucible_eval_score\\{metric=\"accuracy\",model=\"" + promoted.id()
                    + "\",task=\"add\"} 0\\.\\d+");
            assertThat(metrics).containsPattern("crucible_merge_tensors_total [1-9]");

            HttpResponse<String> rolledBack = post(base, "/admin/rollback", "", true);
            assertThat(rolledBack.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(rolledBack.body()).path("version").asText()).isEqualTo("v3");
            assertThat(app.service().champion().orElseThrow().id()).isEqualTo(history.getFirst().id());
        }
    }

    private AppConfig writeConfig() throws IOException {
        Files.writeString(dir.resolve("token.txt"), TOKEN + "\n");
        RemergeRecipes.writeExpertsOntoNewBases(dir, ZOO);
        Path app = dir.resolve("app.yml");
        Files.writeString(app, """
                serve: {host: 127.0.0.1, port: 0, admin_token_file: token.txt}
                recipe: recipe.yml
                initial_base: %s
                bases_dir: bases
                tasks:
                  - {name: add, path: %s, limit: 64}
                  - {name: rev, path: %s, limit: 64}
                gates: {max_task_drop: 0.02}
                state_dir: state
                watch: {poll_seconds: 0.2, stable_seconds: 0.5}
                """.formatted(ZOO.resolve("base-v2"), ZOO.resolve("add_dev.jsonl"), ZOO.resolve("rev_dev.jsonl")));
        return AppConfigParser.parse(app);
    }

    /** Copies a checkpoint the way a slow upload would: weights first, config.json last. */
    private static Path copyCheckpoint(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        List<Path> files;
        try (Stream<Path> list = Files.list(from)) {
            files = list.sorted((a, b) -> Boolean.compare(a.endsWith("config.json"), b.endsWith("config.json"))).toList();
        }
        for (Path f : files) {
            Files.copy(f, to.resolve(f.getFileName()));
        }
        return to;
    }

    private static List<Decision> decisions(RemergeApp app) {
        return app.service().history().stream().map(HistoryEntry::decision).toList();
    }

    private HttpResponse<String> get(URI base, String path, boolean admin) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET();
        if (admin) {
            b.header("Authorization", "Bearer " + TOKEN);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(URI base, String path, String body, boolean admin) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (admin) {
            b.header("Authorization", "Bearer " + TOKEN);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 90 s");
            }
            Thread.sleep(50);
        }
    }
}
