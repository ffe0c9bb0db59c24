package dev.crucible.eval;

import dev.crucible.task.ScoreTally;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * An evaluator's answer for one batch: the tally, or why the model failed on it.
 *
 * @param batchId     the batch answered
 * @param evaluator   who answered, so the pool can hand it more work
 * @param tally       the scored items; null on failure
 * @param failure     why the model failed (load error, exception, non-finite output); null on success
 * @param modelFailed whether the failure is the model's as a whole (it did not load or produced
 *                    non-finite logits), so every task of the request fails
 * @param nanos       time spent on the batch, loading included
 */
public record BatchResult(long batchId, ActorRef<Evaluator.Command> evaluator, ScoreTally tally,
                          String failure, boolean modelFailed, long nanos)
        implements EvaluatorPool.Command, CborSerializable {
}
