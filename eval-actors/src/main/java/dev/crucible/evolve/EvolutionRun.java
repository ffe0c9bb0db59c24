package dev.crucible.evolve;

import dev.crucible.error.Causes;
import dev.crucible.error.CrucibleException;
import dev.crucible.eval.EvaluationResult;
import dev.crucible.eval.EvaluatorPool;
import dev.crucible.evolve.candidate.CandidateModel;
import dev.crucible.evolve.cmaes.Candidate;
import dev.crucible.evolve.cmaes.CmaEs;
import dev.crucible.evolve.cmaes.CmaEsStateFile;
import dev.crucible.evolve.cmaes.Evaluation;
import dev.crucible.evolve.cmaes.StopReason;
import dev.crucible.evolve.journal.JournalEntry;
import dev.crucible.task.TaskScore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Coordinates one search stage: asks CMA-ES for a generation, merges each candidate in memory (one
 * at a time, sources shared), sends it to the evaluator pool as soon as it is merged (so merging and
 * scoring overlap), turns the dev scores into a fitness (minus the mean score), journals every result,
 * tells the optimiser and saves its state after every generation. Failed merges and evaluations are
 * journalled and reported to CMA-ES as failures, never stopping the search. Completes {@code done}
 * when the budget is spent, CMA-ES stops, or the session's generation limit is reached, then stops.
 */
public final class EvolutionRun extends AbstractBehavior<EvolutionRun.Command> {

    /** Messages the coordinator handles. */
    public sealed interface Command permits Begin, Merged, Scored {
    }

    /** Starts the first generation. */
    private enum Begin implements Command {
        INSTANCE
    }

    /** A candidate's merge ended: a model, or why not. */
    private record Merged(Candidate candidate, CandidateModel model, Map<String, Object> parameters, String failure,
                          long startNanos) implements Command {
    }

    /** A candidate's dev scores arrived (or the pool could not answer). */
    private record Scored(Candidate candidate, Map<String, Object> parameters, EvaluationResult result,
                          String failure, long startNanos) implements Command {
    }

    private static final Duration POOL_ANSWER = Duration.ofHours(6);

    private final StageContext ctx;
    private final CmaEs es;
    private final CompletableFuture<StageResult> done;
    private final Deque<Candidate> toMerge = new ArrayDeque<>();
    private final Map<Integer, Evaluation> results = new LinkedHashMap<>();
    private final List<Double> generationScores = new ArrayList<>();
    private List<Candidate> generation = List.of();
    private boolean merging;
    private int unscored;
    private int failedInGeneration;
    private int generationsThisSession;

    private EvolutionRun(ActorContext<Command> context, StageContext ctx, CompletableFuture<StageResult> done) {
        super(context);
        this.ctx = ctx;
        this.es = ctx.optimiser();
        this.done = done;
        context.getSelf().tell(Begin.INSTANCE);
    }

    /** A coordinator for the stage; {@code done} completes with the outcome (or the error that ended it). */
    public static Behavior<Command> create(StageContext ctx, CompletableFuture<StageResult> done) {
        return Behaviors.setup(context -> new EvolutionRun(context, ctx, done));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessageEquals(Begin.INSTANCE, () -> guarded(this::startGeneration))
                .onMessage(Merged.class, m -> guarded(() -> onMerged(m)))
                .onMessage(Scored.class, s -> guarded(() -> onScored(s)))
                .build();
    }

    /** Any error of the coordinator itself (state not writable, ...) ends the stage with that error. */
    private Behavior<Command> guarded(Supplier<Behavior<Command>> step) {
        try {
            return step.get();
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
            return Behaviors.stopped();
        }
    }

    private Behavior<Command> startGeneration() {
        boolean budgetLeft = es.evaluations() == 0 || es.evaluations() + es.populationSize() <= ctx.budget();
        if (es.isStopped() || !budgetLeft) {
            return finish(false);
        }
        if (ctx.stopAfter() > 0 && generationsThisSession >= ctx.stopAfter()) {
            return finish(true);
        }
        generation = es.ask();
        results.clear();
        generationScores.clear();
        failedInGeneration = 0;
        for (Candidate c : generation) {
            JournalEntry earlier = ctx.previous().get(c.id());
            if (earlier != null && earlier.generation() == c.generation() && Arrays.equals(earlier.genome(), c.x())) {
                record(c, earlier.ok() ? Evaluation.of(c.id(), earlier.fitness()) : Evaluation.failure(c.id()),
                        earlier.ok() ? -earlier.fitness() : Double.NaN);
            } else {
                toMerge.addLast(c);
            }
        }
        pump();
        return completeGenerationIfDone();
    }

    /** Starts the next merge when none is running and few merged candidates wait for scores. */
    private void pump() {
        if (merging || toMerge.isEmpty() || unscored >= ctx.maxUnscored()) {
            return;
        }
        Candidate c = toMerge.pollFirst();
        merging = true;
        long start = System.nanoTime();
        Map<String, Object> parameters;
        try {
            parameters = ctx.genome().describe(c.x());
        } catch (RuntimeException e) {
            getContext().getSelf().tell(new Merged(c, null, Map.of(), describe(e), start));
            return;
        }
        CompletableFuture<CandidateModel> merge = CompletableFuture.supplyAsync(
                () -> ctx.candidates().build(c.x()), ctx.mergeExecutor());
        getContext().pipeToSelf(merge, (model, error) -> new Merged(c, model, parameters,
                error == null ? null : describe(error), start));
    }

    private Behavior<Command> onMerged(Merged m) {
        merging = false;
        if (m.failure() != null) {
            journal(m.candidate(), m.parameters(), Map.of(), Double.NaN, "merge failed: " + m.failure(), m.startNanos());
        } else {
            unscored++;
            String id = "candidate-" + ctx.stage() + "-" + m.candidate().id();
            getContext().ask(EvaluationResult.class, ctx.pool(), POOL_ANSWER,
                    replyTo -> new EvaluatorPool.Evaluate(m.model().ref(id), ctx.devTasks(), replyTo),
                    (result, error) -> new Scored(m.candidate(), m.parameters(), result,
                            error == null ? null : describe(error), m.startNanos()));
        }
        pump();
        return completeGenerationIfDone();
    }

    private Behavior<Command> onScored(Scored s) {
        unscored--;
        if (s.failure() != null) {
            journal(s.candidate(), s.parameters(), Map.of(), Double.NaN, "evaluation failed: " + s.failure(),
                    s.startNanos());
        } else {
            Map<String, Double> dev = new LinkedHashMap<>();
            String failure = null;
            double sum = 0;
            for (TaskScore score : s.result().scores().values()) {
                if (!score.ok()) {
                    failure = "task " + score.task() + ": " + score.failure();
                    break;
                }
                dev.put(score.task(), score.score());
                sum += score.higherIsBetter() ? score.score() : -score.score();
            }
            double fitness = failure == null ? -sum / dev.size() : Double.NaN;
            journal(s.candidate(), s.parameters(), failure == null ? dev : Map.of(), fitness, failure, s.startNanos());
        }
        pump();
        return completeGenerationIfDone();
    }

    private void journal(Candidate c, Map<String, Object> parameters, Map<String, Double> dev, double fitness,
                         String failure, long startNanos) {
        boolean ok = failure == null && Double.isFinite(fitness);
        ctx.journal().append(new JournalEntry(ctx.stage(), c.generation(), c.id(), c.x(), parameters, dev,
                ok ? fitness : Double.NaN, ok ? JournalEntry.OK : JournalEntry.FAILED, failure,
                (System.nanoTime() - startNanos) / 1e9));
        ctx.progress().evaluated(1);
        record(c, ok ? Evaluation.of(c.id(), fitness) : Evaluation.failure(c.id()), ok ? -fitness : Double.NaN);
    }

    private void record(Candidate c, Evaluation evaluation, double score) {
        results.put(c.id(), evaluation);
        if (evaluation.usable()) {
            generationScores.add(score);
        } else {
            failedInGeneration++;
        }
    }

    private Behavior<Command> completeGenerationIfDone() {
        if (generation.isEmpty() || results.size() < generation.size()) {
            return this;
        }
        List<Evaluation> evaluations = new ArrayList<>();
        for (Candidate c : generation) {
            evaluations.add(results.get(c.id()));
        }
        int number = generation.getFirst().generation();
        generation = List.of();
        es.tell(evaluations);
        CmaEsStateFile.save(es, ctx.stateFile());
        generationsThisSession++;
        double mean = generationScores.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        ctx.progress().generation(ctx.stage(), number, es.evaluations(), ctx.budget(),
                es.hasBest() ? -es.best().fitness() : Double.NaN, mean, failedInGeneration);
        return startGeneration();
    }

    private Behavior<Command> finish(boolean paused) {
        StopReason reason = es.isStopped() ? es.stopReason() : StopReason.RUNNING;
        done.complete(new StageResult(paused, es.hasBest() ? es.best() : null, es.evaluations(), es.generation(),
                reason));
        return Behaviors.stopped();
    }

    private static String describe(Throwable error) {
        Throwable cause = Causes.unwrap(error);
        String message = cause instanceof CrucibleException ? cause.getMessage()
                : cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        return message.lines().findFirst().orElse(message);
    }
}
