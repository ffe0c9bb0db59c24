package dev.crucible.app;

import dev.crucible.evolve.report.EvolutionStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of the merge, evaluate, evolve and promote pipeline, next to the server's own in the same
 * registry. Names as exported (Prometheus) are in {@link #EXPORTED_NAMES}; the Grafana dashboard in
 * {@code k8s/grafana} plots them and a test keeps the two in step.
 */
public final class PipelineMetrics {

    /** Stages of the re-merge flow, the values of the {@code stage} label. */
    public static final List<String> STAGES = List.of("wait", "merge", "evaluate", "decide");

    /** Every series this class exports, as Prometheus names them. */
    public static final List<String> EXPORTED_NAMES = List.of(
            "crucible_merge_written_bytes_total", "crucible_merge_tensors_total", "crucible_pipeline_in_flight",
            "crucible_eval_score", "crucible_remerge_decisions_total", "crucible_evolution_generation",
            "crucible_evolution_best_fitness");

    private final MeterRegistry registry;
    private final Counter bytesWritten;
    private final Counter tensors;
    private final Map<String, AtomicLong> inFlight = new ConcurrentHashMap<>();
    private final Map<Tags, AtomicLong> scores = new ConcurrentHashMap<>();

    public PipelineMetrics(MeterRegistry registry) {
        this.registry = registry;
        bytesWritten = Counter.builder("crucible.merge.written").baseUnit("bytes")
                .description("Bytes of merged tensors written; rate() is the merge throughput").register(registry);
        tensors = Counter.builder("crucible.merge.tensors")
                .description("Merged tensors written; rate() is tensors per second").register(registry);
        for (String stage : STAGES) {
            AtomicLong count = new AtomicLong();
            inFlight.put(stage, count);
            Gauge.builder("crucible.pipeline.in.flight", count, AtomicLong::get).tag("stage", stage)
                    .description("Candidates inside each stage of the re-merge flow").register(registry);
        }
        for (String decision : List.of("promoted", "rejected", "failed", "rolled_back", "manual", "interrupted")) {
            Counter.builder("crucible.remerge.decisions").tag("decision", decision)
                    .description("Re-merge candidates by outcome, and rollbacks").register(registry);
        }
        Gauge.builder("crucible.evolution.generation",
                        () -> EvolutionStatus.latest().map(EvolutionStatus.Snapshot::generation).orElse(0))
                .description("The generation the evolutionary search in this process last finished").register(registry);
        Gauge.builder("crucible.evolution.best.fitness",
                        () -> EvolutionStatus.latest().map(EvolutionStatus.Snapshot::bestScore).orElse(Double.NaN))
                .description("The best dev score found so far by the evolutionary search in this process")
                .register(registry);
    }

    /** A merge wrote {@code count} more tensors of {@code bytes} more bytes. */
    public void merged(int count, long bytes) {
        tensors.increment(count);
        bytesWritten.increment(bytes);
    }

    /** A candidate entered ({@code +1}) or left ({@code -1}) {@code stage}. */
    public void stage(String stage, int delta) {
        AtomicLong count = inFlight.get(stage);
        if (count == null) {
            throw new IllegalArgumentException("unknown stage " + stage + "; one of " + STAGES);
        }
        count.addAndGet(delta);
    }

    /** The latest score of {@code model} on {@code task}. */
    public void score(String model, String task, String metric, double value) {
        Tags tags = Tags.of("model", model, "task", task, "metric", metric);
        scores.computeIfAbsent(tags, t -> {
            AtomicLong bits = new AtomicLong();
            Gauge.builder("crucible.eval.score", bits, PipelineMetrics::asDouble).tags(t)
                    .description("Evaluation score by model (candidate id) and task").register(registry);
            return bits;
        }).set(Double.doubleToLongBits(value));
    }

    /** One more candidate was decided: {@code promoted}, {@code rejected}, {@code failed}, {@code rolled_back}, {@code manual} or
     * {@code interrupted}. */
    public void decided(String decision) {
        registry.counter("crucible.remerge.decisions", "decision", decision).increment();
    }


    /** Gauges read doubles kept as their bits in an {@link AtomicLong}: one atomic write per update. */
    private static double asDouble(AtomicLong bits) {
        return Double.longBitsToDouble(bits.get());
    }
}
