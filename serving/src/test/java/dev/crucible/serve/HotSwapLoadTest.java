package dev.crucible.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent clients keep asking while the model is promoted twice: no request may fail, answers
 * must come from every version, and each replaced model must be closed exactly once, only after
 * its last request (the test double fails any call made after close).
 */
class HotSwapLoadTest {

    private static final int CLIENTS = 8;
    private static final String TOKEN = "load-test";

    @TempDir
    Path dir;

    @Test
    void promotionsUnderLoadLoseNoRequestAndCloseOldModelsOnce() throws Exception {
        for (String name : List.of("m1", "m2", "m3")) {
            Files.createDirectories(dir.resolve(name));
        }
        FakeModels models = new FakeModels(3);
        ServeConfig config = ServeConfig.defaults().withPort(0).withAdminToken(TOKEN)
                .withAdmission(CLIENTS, 4 * CLIENTS, Duration.ofSeconds(30));
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        List<String> failureSamples = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<String, AtomicInteger> byVersion = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try (CrucibleServer server = CrucibleServer.start(config, models, dir.resolve("m1"))) {
            ApiClient api = new ApiClient(server.baseUri());
            List<Future<?>> loops = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                loops.add(clients.submit(() -> {
                    int i = 0;
                    while (running.get()) {
                        int a = 10 + client;
                        int b = 10 + (i++ % 80);
                        boolean stream = i % 3 == 0;
                        HttpResponse<String> r = api.post("/v1/completions", "{\"prompt\":\"add " + a + " " + b
                                + " =\",\"max_tokens\":8,\"temperature\":0,\"stream\":" + stream + "}");
                        String version = check(r, stream, " " + (a + b));
                        if (version == null) {
                            failures.incrementAndGet();
                            failureSamples.add(r.statusCode() + " " + r.body());
                        } else {
                            answered.incrementAndGet();
                            byVersion.computeIfAbsent(version, v -> new AtomicInteger()).incrementAndGet();
                        }
                    }
                }));
            }
            Thread.sleep(400);
            promote(api, dir.resolve("m2"), "v2");
            Thread.sleep(400);
            promote(api, dir.resolve("m3"), "v3");
            Thread.sleep(400);
            running.set(false);
            for (Future<?> loop : loops) {
                loop.get();
            }
            assertThat(failures.get()).as("failed requests, e.g. %s", failureSamples.stream().limit(3).toList()).isZero();
            assertThat(byVersion.keySet()).containsExactlyInAnyOrder("v1", "v2", "v3");
            assertThat(answered.get()).isGreaterThan(30);
            List<FakeLanguageModel> loaded = models.loaded();
            assertThat(loaded).hasSize(3);
            awaitClosed(loaded.get(0));
            awaitClosed(loaded.get(1));
            assertThat(loaded.get(2).closeCount()).isZero();
            assertThat(loaded.get(0).callCount()).isGreaterThan(1);
            assertThat(loaded.get(1).callCount()).isGreaterThan(1);
        } finally {
            clients.shutdownNow();
        }
        assertThat(models.loaded()).allSatisfy(m -> assertThat(m.closeCount()).isEqualTo(1));
    }

    /** The version that answered, or null if the answer was wrong. */
    private static String check(HttpResponse<String> r, boolean stream, String expected) {
        if (r.statusCode() != 200) {
            return null;
        }
        if (!stream) {
            JsonNode body = ApiClient.json(r);
            return expected.equals(body.at("/choices/0/text").asText()) ? body.get("system_fingerprint").asText() : null;
        }
        List<JsonNode> events = ApiClient.events(r.body());
        if (events.isEmpty() || events.getLast() != null) {
            return null;
        }
        List<JsonNode> chunks = events.stream().filter(Objects::nonNull).toList();
        String text = chunks.stream().map(c -> c.at("/choices/0/text").asText()).collect(Collectors.joining());
        Set<String> versions = chunks.stream().map(c -> c.get("system_fingerprint").asText()).collect(Collectors.toSet());
        return expected.equals(text) && versions.size() == 1 ? versions.iterator().next() : null;
    }

    private static void promote(ApiClient api, Path folder, String expectedVersion) {
        HttpResponse<String> r = api.post("/admin/promote", "{\"path\":\"" + folder + "\"}", "Authorization", "Bearer " + TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(ApiClient.json(r).get("version").asText()).isEqualTo(expectedVersion);
    }

    private static void awaitClosed(FakeLanguageModel model) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (model.closeCount() == 0 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertThat(model.closeCount()).as("close() calls on " + model.name()).isEqualTo(1);
    }
}
