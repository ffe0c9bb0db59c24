package dev.crucible.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.runtime.LanguageModels;
import dev.crucible.serve.model.CheckpointLoader;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests per second and latency percentiles of {@code /v1/completions} at several client
 * concurrencies: first against the zero-cost test double (what the HTTP stack, admission and leasing
 * cost per request), then against a zoo model ({@code add A B =}, greedy, up to 8 new tokens) with
 * batching on, and with one request per forward pass for comparison.
 * Usage: {@code ServeBenchmark [MODEL_DIR] [SECONDS_PER_LEVEL]}.
 */
public final class ServeBenchmark {

    private static final int[] LEVELS = {1, 2, 4, 8, 16};

    private ServeBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path model = args.length > 0 ? Path.of(args[0]) : ZooServeTest.zoo().resolve("expert-add");
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 4;
        Path fakeDir = Files.createTempDirectory("bench-fake");
        System.out.println("== test double (no model cost): HTTP + admission + lease + JSON per request");
        run(new FakeModels(0), fakeDir, seconds, 16, LEVELS);
        System.out.println("== " + model + " (real runtime, greedy, max_tokens 8), --max-concurrent 16: batches of up to 16");
        run(LanguageModels::load, model, seconds, 16, LEVELS);
        System.out.println("== the same, --max-concurrent 1: one request per forward pass (no batching)");
        run(LanguageModels::load, model, seconds, 1, new int[] {1, 8, 16});
        Files.delete(fakeDir);
        System.exit(0);
    }

    private static void run(CheckpointLoader loader, Path dir, double seconds, int maxConcurrent, int[] levels) throws Exception {
        ServeConfig config = ServeConfig.defaults().withPort(0).withAdmission(maxConcurrent, 256, Duration.ofSeconds(60));
        try (CrucibleServer server = CrucibleServer.start(config, loader, dir)) {
            ApiClient api = new ApiClient(server.baseUri());
            measure(api, 2, Math.min(seconds, 2));
            System.out.printf("%11s %10s %9s %9s %9s %10s %7s%n", "concurrency", "req/s", "p50 ms", "p99 ms", "max ms",
                    "tokens/s", "errors");
            double baseline = 0;
            for (int level : levels) {
                Result r = measure(api, level, seconds);
                if (level == 1) {
                    baseline = r.perSecond();
                }
                System.out.printf("%11d %10.1f %9.1f %9.1f %9.1f %10.1f %7d   (x%.2f of 1 client)%n", level, r.perSecond(),
                        r.percentile(0.50), r.percentile(0.99), r.percentile(1.0), r.tokensPerSecond(), r.errors(),
                        r.perSecond() / baseline);
            }
        }
    }

    private record Result(List<Double> latenciesMs, double seconds, int tokens, int errors) {
        double perSecond() {
            return latenciesMs.size() / seconds;
        }

        double tokensPerSecond() {
            return tokens / seconds;
        }

        double percentile(double p) {
            List<Double> sorted = new ArrayList<>(latenciesMs);
            Collections.sort(sorted);
            int index = (int) Math.ceil(p * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
        }
    }

    private static Result measure(ApiClient api, int clients, double seconds) throws Exception {
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger tokens = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        List<Future<?>> loops = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            loops.add(pool.submit(() -> {
                int i = 0;
                while (System.nanoTime() < end) {
                    String prompt = "add " + (10 + (client * 7 + i) % 90) + " " + (10 + (i * 13) % 90) + " =";
                    i++;
                    long t0 = System.nanoTime();
                    HttpResponse<String> r = api.post("/v1/completions",
                            "{\"prompt\":\"" + prompt + "\",\"max_tokens\":8,\"temperature\":0}");
                    double ms = (System.nanoTime() - t0) / 1e6;
                    if (r.statusCode() == 200) {
                        latencies.add(ms);
                        JsonNode body = ApiClient.json(r);
                        tokens.addAndGet(body.at("/usage/completion_tokens").asInt());
                    } else {
                        errors.incrementAndGet();
                    }
                }
            }));
        }
        for (Future<?> loop : loops) {
            loop.get();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        return new Result(latencies, elapsed, tokens.get(), errors.get());
    }
}
