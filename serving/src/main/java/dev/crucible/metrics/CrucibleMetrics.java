package dev.crucible.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The process-wide Micrometer registry with Crucible's meters, exported in Prometheus text format.
 * Other modules reuse {@link #registry()} to add their own {@code crucible_*} meters.
 */
public final class CrucibleMetrics implements AutoCloseable {

    /** Latency buckets (seconds) wide enough for a health probe and a long generation alike. */
    private static final Duration[] LATENCY_BUCKETS = {
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofSeconds(60)
    };

    /** Inter-token buckets (seconds), as vLLM's time-per-output-token histogram. */
    private static final Duration[] TOKEN_BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(40),
        Duration.ofMillis(60), Duration.ofMillis(80), Duration.ofMillis(100), Duration.ofMillis(150), Duration.ofMillis(200),
        Duration.ofMillis(300), Duration.ofMillis(400), Duration.ofMillis(500), Duration.ofMillis(750), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5)
    };

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gcMetrics;
    private final Timer timeToFirstToken;
    private final Timer requestTimeToFirstToken;
    private final Timer timePerOutputToken;
    private final Timer queueTime;
    private final Timer e2eLatency;
    private final DistributionSummary requestPromptTokens;
    private final DistributionSummary requestGenerationTokens;
    private final Counter promptTokens;
    private final Counter completionTokens;
    private final DistributionSummary tokensPerSecond;
    private final Timer swapDuration;
    private final MultiGauge modelInfo;
    private final AtomicInteger retiringModels = new AtomicInteger();

    public CrucibleMetrics() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // promtool check metrics criticises two of Micrometer's JVM meters: a CPU time in "ns" (Prometheus wants
        // seconds) and a gauge ending in "_count". Export them under the names Prometheus' own clients use.
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpu.logical.processors") : id;
            }
        });
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9)
                    .baseUnit("seconds")
                    .description("CPU time used by the JVM process")
                    .register(registry);
        }
        timeToFirstToken = timer("crucible.generation.time.to.first.token",
                "Time from admission to the first generated token of a streamed response", LATENCY_BUCKETS);
        // vLLM's request meters (vllm/v1/metrics/loggers.py) under crucible_*: the operators' dashboards anchor.
        requestTimeToFirstToken = timer("crucible.time.to.first.token",
                "Time from the request's arrival (queueing included) to its first generated token", LATENCY_BUCKETS);
        timePerOutputToken = timer("crucible.time.per.output.token",
                "Mean time between output tokens of a request after its first (vLLM's inter-token latency)", TOKEN_BUCKETS);
        queueTime = timer("crucible.request.queue.time",
                "Time a request waited for a model slot", LATENCY_BUCKETS);
        e2eLatency = timer("crucible.e2e.request.latency",
                "Time from a generation request's arrival to the last byte of its response, streams included", LATENCY_BUCKETS);
        requestPromptTokens = DistributionSummary.builder("crucible.request.prompt.tokens")
                .description("Prompt tokens per finished request")
                .serviceLevelObjectives(oneTwoFive(1 << 20))
                .register(registry);
        requestGenerationTokens = DistributionSummary.builder("crucible.request.generation.tokens")
                .description("Generated tokens per finished request")
                .serviceLevelObjectives(oneTwoFive(1 << 20))
                .register(registry);
        promptTokens = Counter.builder("crucible.generation.tokens")
                .description("Tokens processed by the model")
                .tag("kind", "prompt")
                .register(registry);
        completionTokens = Counter.builder("crucible.generation.tokens")
                .description("Tokens processed by the model")
                .tag("kind", "completion")
                .register(registry);
        tokensPerSecond = DistributionSummary.builder("crucible.generation.speed")
                .baseUnit("tokens.per.second")
                .description("Generated tokens per second of model time, per request")
                .serviceLevelObjectives(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500)
                .register(registry);
        swapDuration = timer("crucible.model.swap.duration",
                "Time to load, validate and switch to a promoted model", LATENCY_BUCKETS);
        Gauge.builder("crucible.model.retiring", retiringModels, AtomicInteger::get)
                .description("Replaced models still serving requests that started on them")
                .register(registry);
        modelInfo = MultiGauge.builder("crucible.model.info")
                .description("The model currently served (value 1), labelled with its version and path")
                .register(registry);
    }

    /** The registry to add meters to; names follow Prometheus conventions once exported. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Everything registered, in the Prometheus text exposition format. */
    public String scrape() {
        return registry.scrape();
    }

    /** One HTTP request answered on {@code route} (the matched path template) with {@code status}. */
    public void recordRequest(String route, String method, int status, Duration latency) {
        Timer.builder("crucible.http.server.requests")
                .description("HTTP requests by route, method and status")
                .tags("route", route, "method", method, "status", Integer.toString(status))
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry)
                .record(latency);
    }

    /** A request refused before it reached a model, e.g. {@code queue_full} or {@code timeout}. */
    public void recordRejection(String reason) {
        Counter.builder("crucible.admission.rejected")
                .description("Requests refused by admission control")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    /** Registers the admission gauges, read on every scrape. */
    public void trackAdmission(Supplier<Number> queued, Supplier<Number> inFlight) {
        Gauge.builder("crucible.admission.queue.depth", queued)
                .description("Requests waiting for a model slot")
                .register(registry);
        Gauge.builder("crucible.admission.in.flight", inFlight)
                .description("Requests running on a model")
                .register(registry);
    }

    /** How many replaced models still wait for the last request that started on them. */
    public void recordRetiringModels(int count) {
        retiringModels.set(count);
    }

    public void recordTimeToFirstToken(Duration sinceAdmission) {
        timeToFirstToken.record(sinceAdmission);
    }

    /** Arrival to first token, queueing and prompt checks included; recorded for every request that produced one. */
    public void recordRequestTimeToFirstToken(Duration sinceArrival) {
        requestTimeToFirstToken.record(sinceArrival);
    }

    /** How long a request waited for a model slot. */
    public void recordQueueTime(Duration waited) {
        queueTime.record(waited);
    }

    /** Arrival to the last byte sent of a generation request's response. */
    public void recordEndToEnd(Duration latency) {
        e2eLatency.record(latency);
    }

    /**
     * One finished request, as vLLM counts it: token histograms, the finish reason ({@code stop},
     * {@code length} or {@code abort}) and, when it produced more than one token, the mean time per
     * token after the first ({@code decode} is first token to last).
     */
    public void recordFinished(String finishReason, int prompt, int completion, Duration decode) {
        Counter.builder("crucible.request.success")
                .description("Finished requests by finish reason")
                .tag("finished_reason", finishReason)
                .register(registry)
                .increment();
        if (completion > 0) {
            requestPromptTokens.record(prompt);
            requestGenerationTokens.record(completion);
        }
        if (completion > 1 && decode != null) {
            timePerOutputToken.record(decode.dividedBy(completion - 1));
        }
    }

    /** 1, 2, 5, 10, 20, 50, ... up to {@code max}: vLLM's build_1_2_5_buckets. */
    private static double[] oneTwoFive(long max) {
        java.util.ArrayList<Double> out = new java.util.ArrayList<>();
        for (long exponent = 1; ; exponent *= 10) {
            for (int m : new int[] {1, 2, 5}) {
                long v = m * exponent;
                if (v > max) {
                    return out.stream().mapToDouble(Double::doubleValue).toArray();
                }
                out.add((double) v);
            }
        }
    }

    /** One finished generation: token counts and the model time it took. */
    public void recordGeneration(int prompt, int completion, Duration modelTime) {
        promptTokens.increment(prompt);
        completionTokens.increment(completion);
        double seconds = modelTime.toNanos() / 1e9;
        if (completion > 0 && seconds > 0) {
            tokensPerSecond.record(completion / seconds);
        }
    }

    /** A promotion attempt: successes also replace the model info gauge's labels. */
    public void recordSwap(boolean success, Duration took) {
        Counter.builder("crucible.model.swaps")
                .description("Model promotions by outcome")
                .tag("outcome", success ? "success" : "failure")
                .register(registry)
                .increment();
        if (success) {
            swapDuration.record(took);
        }
    }

    /** Marks {@code version} as the served model. */
    public void recordServedModel(String version, String name, String path) {
        modelInfo.register(
                List.of(MultiGauge.Row.of(Tags.of("version", version, "name", name, "path", path), 1)), true);
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }

    /** A timer with Prometheus histogram buckets at {@code buckets} (Micrometer's names: {@code _seconds}). */
    private Timer timer(String name, String description, Duration... buckets) {
        return Timer.builder(name).description(description).serviceLevelObjectives(buckets).register(registry);
    }
}
