package dev.crucible.serve;

import dev.crucible.runtime.LanguageModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether huge prompts can starve a server: requests/s and p50/p99 latency of 16 clients sending
 * {@code add A B =} completions to a zoo model (default server settings: 4 slots, 64 queued), first alone,
 * then with 4 more clients sending 2 MB prompts back to back beside them (each answered 400
 * {@code context_length_exceeded}; their count and latency are printed too).
 * Usage: {@code bench/main.sh serving dev.crucible.serve.HugePromptBenchmark [MODEL_DIR] [SECONDS]}.
 */
public final class HugePromptBenchmark {

    private HugePromptBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path model = args.length > 0 && !args[0].isEmpty() ? Path.of(args[0]) : ZooServeTest.zoo().resolve("expert-add");
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        ServeConfig config = ServeConfig.defaults().withPort(0);
        try (CrucibleServer server = CrucibleServer.start(config, LanguageModels::load, model)) {
            URI base = server.baseUri();
            load(base, 16, 0, Math.min(3, seconds)); // warm-up
            System.out.printf("%s, %d model slots, 16 clients, %.0f s each%n", model, config.maxConcurrent(), seconds);
            System.out.printf("%-34s %8s %8s %8s %8s | %12s %12s%n", "", "req/s", "p50 ms", "p99 ms", "errors",
                    "2MB done", "2MB p50 ms");
            for (int huge : new int[] {0, 4}) {
                Load r = load(base, 16, huge, seconds);
                System.out.printf("%-34s %8.1f %8.1f %8.1f %8d | %12s %12s%n",
                        huge == 0 ? "alone" : "beside 4 clients of 2 MB prompts", r.normal().size() / r.seconds(),
                        percentile(r.normal(), 0.5), percentile(r.normal(), 0.99), r.errors(),
                        huge == 0 ? "-" : Integer.toString(r.huge().size()),
                        huge == 0 ? "-" : String.format("%.1f", percentile(r.huge(), 0.5)));
            }
        }
        System.exit(0);
    }

    private record Load(List<Double> normal, List<Double> huge, int errors, double seconds) {}

    private static Load load(URI base, int clients, int hugeClients, double seconds) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        List<Double> normal = Collections.synchronizedList(new ArrayList<>());
        List<Double> huge = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger errors = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        // Encoded once: the clients' own cost should not weigh on the server they share the machine with.
        byte[] twoMegabytes = ("{\"prompt\":\"" + "lorem ipsum ".repeat((2 << 20) / 12) + "\"}").getBytes(StandardCharsets.UTF_8);
        ExecutorService pool = Executors.newFixedThreadPool(clients + hugeClients);
        List<Future<?>> normalLoops = new ArrayList<>();
        List<Future<?>> hugeLoops = new ArrayList<>();
        for (int h = 0; h < hugeClients; h++) {
            hugeLoops.add(pool.submit(() -> {
                while (!stop.get()) {
                    long t0 = System.nanoTime();
                    int status = send(http, base, twoMegabytes);
                    if (status == 400) {
                        huge.add((System.nanoTime() - t0) / 1e6);
                    }
                }
                return null;
            }));
        }
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        for (int c = 0; c < clients; c++) {
            int client = c;
            normalLoops.add(pool.submit(() -> {
                for (int i = 0; System.nanoTime() < end; i++) {
                    String prompt = "add " + (10 + (client * 7 + i) % 90) + " " + (10 + (i * 13) % 90) + " =";
                    long t0 = System.nanoTime();
                    int status = send(http, base, ("{\"prompt\":\"" + prompt + "\",\"max_tokens\":8,\"temperature\":0}")
                            .getBytes(StandardCharsets.UTF_8));
                    if (status == 200) {
                        normal.add((System.nanoTime() - t0) / 1e6);
                    } else {
                        errors.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> loop : normalLoops) {
            loop.get();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        stop.set(true);
        for (Future<?> loop : hugeLoops) {
            loop.get();
        }
        pool.shutdown();
        return new Load(normal, huge, errors.get(), elapsed);
    }

    private static int send(HttpClient http, URI base, byte[] body) {
        try {
            return http.send(HttpRequest.newBuilder(base.resolve("/v1/completions")).timeout(Duration.ofSeconds(120))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)));
    }
}
