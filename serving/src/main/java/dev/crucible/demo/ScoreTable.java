package dev.crucible.demo;

import java.util.List;
import java.util.Locale;

/** Renders rows of {@link ModelScores} as an aligned plain-text table with one column per task and the mean. */
final class ScoreTable {

    private ScoreTable() {
    }

    /** The table, each line starting with {@code indent}. */
    static String render(List<ModelScores> rows, List<String> tasks, String indent) {
        int nameWidth = Math.max(5, rows.stream().mapToInt(r -> r.name().length()).max().orElse(0));
        int kindWidth = Math.max(4, rows.stream().mapToInt(r -> r.kind().length()).max().orElse(0));
        StringBuilder out = new StringBuilder();
        out.append(indent).append(pad("model", nameWidth)).append("  ").append(pad("kind", kindWidth));
        for (String task : tasks) {
            out.append(String.format(Locale.ROOT, "  %7s", task));
        }
        out.append(String.format(Locale.ROOT, "  %7s%n", "mean"));
        for (ModelScores row : rows) {
            out.append(indent).append(pad(row.name(), nameWidth)).append("  ").append(pad(row.kind(), kindWidth));
            for (String task : tasks) {
                out.append("  ").append(percent(row.scores().getOrDefault(task, Double.NaN)));
            }
            out.append("  ").append(percent(row.mean())).append(System.lineSeparator());
        }
        return out.toString();
    }

    /** {@code 0.9712} as {@code "  97.1%"}; a missing score as {@code "    n/a"}. */
    static String percent(double value) {
        return Double.isNaN(value) ? "    n/a" : String.format(Locale.ROOT, "%6.1f%%", 100 * value);
    }

    private static String pad(String text, int width) {
        return String.format(Locale.ROOT, "%-" + width + "s", text);
    }
}
