package dev.crucible.evolve.report;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Prints one progress line per generation (to stderr in the CLI): stage, generation, evaluations
 * against the budget, best dev score so far, the generation's mean, time spent and an ETA from this
 * session's pace.
 */
public final class ProgressReporter {

    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private int evaluatedThisSession;

    /** A reporter writing to {@code out}. */
    public ProgressReporter(PrintStream out) {
        this.out = out;
    }

    /** Counts candidates evaluated in this session (reused journal results are not counted). */
    public synchronized void evaluated(int count) {
        evaluatedThisSession += count;
    }

    /** Reports a finished generation. */
    public synchronized void generation(String stage, int generation, int evaluations, int budget, double bestScore,
                                        double meanScore, int failed) {
        EvolutionStatus.publish(new EvolutionStatus.Snapshot(stage, generation, evaluations, budget, bestScore));
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        String eta = "?";
        if (evaluatedThisSession > 0) {
            double perEval = elapsed.toMillis() / (double) evaluatedThisSession;
            eta = human(Duration.ofMillis((long) (perEval * Math.max(0, budget - evaluations))));
        }
        out.println(String.format(Locale.ROOT,
                "evolve %s: generation %d, %d/%d evaluations, best dev %.4f, generation mean %.4f%s, %s elapsed, ETA %s",
                stage, generation, evaluations, budget, bestScore, meanScore, failed > 0 ? ", " + failed + " failed" : "",
                human(elapsed), eta));
        out.flush();
    }

    /** A free-form status line. */
    public synchronized void note(String message) {
        out.println("evolve: " + message);
        out.flush();
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s / 60) % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
