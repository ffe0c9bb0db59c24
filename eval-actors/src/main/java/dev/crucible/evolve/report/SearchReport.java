package dev.crucible.evolve.report;

import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code report.md}: the fitness chart, a table of dev and test scores for the sources, the default hand
 * merges and the evolved merge, and plain sentences saying how the evolved merge stands against the
 * best hand merge and against each source (on test scores when test tasks were given).
 *
 * @param title       what was searched (config name, method, space)
 * @param rows        every compared model; exactly one of kind {@link ScoreRow#EVOLVED} comes last
 * @param parameters  the evolved merge's decoded parameters
 * @param evaluations candidates evaluated
 * @param generations generations run
 * @param elapsed     wall time of the search sessions that produced this report
 */
public record SearchReport(String title, List<ScoreRow> rows, Map<String, Object> parameters, int evaluations,
                           int generations, Duration elapsed) {

    public SearchReport {
        rows = List.copyOf(rows);
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** The evolved merge's row. */
    public ScoreRow evolved() {
        return rows.stream().filter(r -> r.kind().equals(ScoreRow.EVOLVED)).reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalStateException("report without an evolved merge"));
    }

    /** Whether the comparison uses test scores (else dev scores). */
    public boolean onTest() {
        return !evolved().test().isEmpty();
    }

    private double headline(ScoreRow row) {
        return onTest() ? row.testMean() : row.devMean();
    }

    /** The hand merge with the best headline score, or null when there is none. */
    public ScoreRow bestHandMerge() {
        ScoreRow best = null;
        for (ScoreRow r : rows) {
            if (r.kind().equals(ScoreRow.HAND) && (best == null || headline(r) > headline(best))) {
                best = r;
            }
        }
        return best;
    }

    /** Markdown text of the report. */
    public String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Evolutionary merge: ").append(title).append("\n\n");
        md.append(String.format(Locale.ROOT, "%d candidates evaluated in %d generations (%s of search in the last "
                + "session).%n%n", evaluations, generations, ProgressReporter.human(elapsed)));
        md.append("![best and mean dev score per generation](fitness.png)\n\n");
        md.append("## Verdict\n\n");
        for (String line : verdict()) {
            md.append("- ").append(line).append('\n');
        }
        md.append("\n## Scores\n\n");
        md.append(table());
        if (rows.stream().anyMatch(ScoreRow::hasUnscored)) {
            md.append("\nn/a: the model cannot be scored on that task (e.g. a text-only model on an image task); "
                    + "it counts 0 in the means.\n");
        }
        md.append("\nDev tasks drive the search (fitness = minus the mean dev score); test tasks are held out and "
                + "never seen by it. Scores are exact-match accuracy unless the task says otherwise.\n");
        md.append("\n## Evolved parameters\n\n");
        parameters.forEach((k, v) -> md.append("- `").append(k).append("`: ").append(v).append('\n'));
        if (rows.stream().anyMatch(r -> r.kind().equals(ScoreRow.MOE))) {
            md.append("\nThe evolved mixture is `model/` (a Mixtral folder; its README lists the genome), the compared "
                    + "mixtures `moe-MODE/`, every candidate `journal.jsonl`.\n");
        } else {
            md.append("\nThe recipe is `best-recipe.yml` (`crucible merge best-recipe.yml OUT`), the merged model "
                    + "`model/`, every candidate `journal.jsonl`.\n");
        }
        return md.toString();
    }

    private List<String> verdict() {
        List<String> lines = new ArrayList<>();
        ScoreRow evolved = evolved();
        String split = onTest() ? "test" : "dev";
        double score = headline(evolved);
        lines.add(String.format(Locale.ROOT, "The evolved merge scores %s mean %s accuracy.", pct(score), split));
        ScoreRow hand = bestHandMerge();
        if (hand != null) {
            double gap = 100 * (score - headline(hand));
            lines.add(String.format(Locale.ROOT, "Against the best default hand merge (%s, %s): %s.",
                    hand.name(), pct(headline(hand)), standing(gap)));
        }
        for (ScoreRow r : rows) {
            if (r.kind().equals(ScoreRow.SOURCE)) {
                double gap = 100 * (score - headline(r));
                lines.add(String.format(Locale.ROOT, "Against source %s (%s): %s.", r.name(), pct(headline(r)),
                        standing(gap)));
            }
        }
        if (!onTest()) {
            lines.add("No test_tasks were configured, so these comparisons use the dev tasks the search optimised.");
        }
        return lines;
    }

    private static String standing(double points) {
        if (Math.abs(points) < 0.05) {
            return "level";
        }
        return String.format(Locale.ROOT, "%s by %.1f points", points > 0 ? "ahead" : "behind", Math.abs(points));
    }

    private String table() {
        Set<String> devTasks = new LinkedHashSet<>();
        Set<String> testTasks = new LinkedHashSet<>();
        for (ScoreRow r : rows) {
            devTasks.addAll(r.dev().keySet());
            testTasks.addAll(r.test().keySet());
        }
        StringBuilder t = new StringBuilder("| model | kind |");
        StringBuilder rule = new StringBuilder("|---|---|");
        for (String task : devTasks) {
            t.append(" dev ").append(task).append(" |");
            rule.append("---:|");
        }
        t.append(" dev mean |");
        rule.append("---:|");
        for (String task : testTasks) {
            t.append(" test ").append(task).append(" |");
            rule.append("---:|");
        }
        if (!testTasks.isEmpty()) {
            t.append(" test mean |");
            rule.append("---:|");
        }
        t.append('\n').append(rule).append('\n');
        for (ScoreRow r : rows) {
            boolean bold = r.kind().equals(ScoreRow.EVOLVED);
            t.append("| ").append(bold ? "**" + r.name() + "**" : r.name()).append(" | ").append(r.kind()).append(" |");
            for (String task : devTasks) {
                t.append(' ').append(pct(r.dev().getOrDefault(task, Double.NaN))).append(" |");
            }
            t.append(' ').append(pct(r.devMean())).append(" |");
            for (String task : testTasks) {
                t.append(' ').append(pct(r.test().getOrDefault(task, Double.NaN))).append(" |");
            }
            if (!testTasks.isEmpty()) {
                t.append(' ').append(bold ? "**" + pct(r.testMean()) + "**" : pct(r.testMean())).append(" |");
            }
            t.append('\n');
        }
        return t.toString();
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    /** Writes the markdown to {@code file}. */
    public void write(Path file) {
        try {
            Files.writeString(file, markdown());
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot write the report (" + e.getMessage() + ")", e);
        }
    }
}
