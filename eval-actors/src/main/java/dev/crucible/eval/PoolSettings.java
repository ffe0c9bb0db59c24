package dev.crucible.eval;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * How the pool cuts and dispatches work.
 *
 * @param batchSize          items per message to an evaluator (one batched model call)
 * @param batchTimeout       after this long without an answer a batch is given to another evaluator
 * @param maxAttempts        dispatches of one batch before its task is reported failed
 * @param starvationTimeout  how long work may wait with no evaluator able to take it before it fails
 */
public record PoolSettings(int batchSize, Duration batchTimeout, int maxAttempts, Duration starvationTimeout) {

    public PoolSettings {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max attempts must be at least 1, got " + maxAttempts);
        }
    }

    /** Settings from a {@code crucible.eval} config block. */
    public static PoolSettings fromConfig(Config eval) {
        return new PoolSettings(eval.getInt("batch-size"), eval.getDuration("batch-timeout"),
                eval.getInt("max-attempts"), eval.getDuration("starvation-timeout"));
    }

    /** The same settings with another batch size. */
    public PoolSettings withBatchSize(int size) {
        return new PoolSettings(size, batchTimeout, maxAttempts, starvationTimeout);
    }

    /** The same settings with other timeouts. */
    public PoolSettings withTimeouts(Duration batch, Duration starvation) {
        return new PoolSettings(batchSize, batch, maxAttempts, starvation);
    }
}
