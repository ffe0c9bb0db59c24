package dev.crucible.demo;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * How the demo speaks, one voice for every chapter: numbered steps with their wall time, indented lines, score
 * tables and percentages.
 */
final class Narration {

    static final String INDENT = "  ";
    private static final List<String> TASKS = List.of("add", "rev");

    private final PrintWriter out;
    private final int steps;

    /** Narrates a story of {@code steps} steps to {@code out}. */
    Narration(PrintWriter out, int steps) {
        this.out = out;
        this.steps = steps;
    }

    /** Starts step {@code number}; returns its start time for {@link #done}. */
    long step(int number, String title) {
        line("");
        line("[" + number + "/" + steps + "] " + title);
        return System.nanoTime();
    }

    /** Ends a step with its wall time. */
    void done(long since) {
        line(INDENT + "(" + seconds(since) + ")");
    }

    /** One line, flushed at once so that a watching user sees it. */
    void line(String text) {
        out.println(text);
        out.flush();
    }

    /** The scores of {@code rows} on the add and rev tasks, as a table. */
    void table(List<ModelScores> rows) {
        out.print(ScoreTable.render(rows, TASKS, INDENT));
        out.flush();
    }

    /** Where library output goes to be indented under the current step. */
    PrintWriter writer() {
        return out;
    }

    static String seconds(long since) {
        return String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - since) / 1e9);
    }

    static String pct(Double value) {
        return value == null ? "n/a" : ScoreTable.percent(value).strip();
    }
}
