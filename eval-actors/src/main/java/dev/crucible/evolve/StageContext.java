package dev.crucible.evolve;

import dev.crucible.eval.EvaluatorPool;
import dev.crucible.evolve.candidate.CandidateFactory;
import dev.crucible.evolve.cmaes.CmaEs;
import dev.crucible.evolve.genome.GeneSpace;
import dev.crucible.evolve.journal.Journal;
import dev.crucible.evolve.journal.JournalEntry;
import dev.crucible.evolve.report.ProgressReporter;
import dev.crucible.task.Task;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Everything one search stage works with.
 *
 * @param stage         the stage name journal entries carry
 * @param genome        the search space
 * @param optimiser     CMA-ES, fresh or restored from {@code stateFile}
 * @param budget        evaluations allowed for the stage
 * @param stateFile     where the optimiser state is saved after every generation
 * @param journal       where every result is appended
 * @param previous      results of an interrupted session by candidate id, reused instead of re-evaluated
 * @param devTasks      the tasks the fitness is computed on
 * @param candidates    builds candidates in memory
 * @param mergeExecutor the thread candidates are merged on
 * @param pool          the evaluator pool
 * @param maxUnscored   merged candidates allowed to wait for scores (bounds memory)
 * @param stopAfter     generations to run in this session before pausing, or 0 for no limit
 * @param progress      progress lines
 */
public record StageContext(String stage, GeneSpace genome, CmaEs optimiser, int budget, Path stateFile, Journal journal,
                           Map<Integer, JournalEntry> previous, List<Task> devTasks, CandidateFactory candidates,
                           Executor mergeExecutor, ActorRef<EvaluatorPool.Command> pool, int maxUnscored,
                           int stopAfter, ProgressReporter progress) {

    public StageContext {
        previous = Map.copyOf(previous);
        devTasks = List.copyOf(devTasks);
    }
}
