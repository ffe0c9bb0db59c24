package dev.crucible.error;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The failure behind the wrappers that futures add ({@link CompletionException}, {@link ExecutionException}): what a
 * user is shown, and what decides a status code, is the cause a stage threw, not the future's envelope.
 */
public final class Causes {

    private Causes() {
    }

    /** {@code error} without its future wrappers (itself when it has none). */
    public static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
