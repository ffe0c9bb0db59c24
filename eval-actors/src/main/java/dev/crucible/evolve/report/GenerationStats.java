package dev.crucible.evolve.report;

import dev.crucible.evolve.journal.JournalEntry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Dev score (minus the fitness) of one generation: its best and mean candidate, and the best so far.
 *
 * @param stage     the stage of the generation
 * @param index     position over all stages, from 1
 * @param best      best mean dev score among the generation's candidates
 * @param mean      mean over its successful candidates
 * @param bestSoFar best mean dev score up to and including this generation (over all stages)
 * @param failed    candidates that failed
 */
public record GenerationStats(String stage, int index, double best, double mean, double bestSoFar, int failed) {

    /** Per-generation statistics of a journal, in journal order. */
    public static List<GenerationStats> of(List<JournalEntry> journal) {
        Map<String, List<JournalEntry>> groups = new LinkedHashMap<>();
        for (JournalEntry e : journal) {
            groups.computeIfAbsent(e.stage() + "#" + e.generation(), k -> new ArrayList<>()).add(e);
        }
        List<GenerationStats> out = new ArrayList<>();
        double bestSoFar = Double.NEGATIVE_INFINITY;
        int index = 0;
        for (List<JournalEntry> entries : groups.values()) {
            double best = Double.NEGATIVE_INFINITY;
            double sum = 0;
            int ok = 0;
            for (JournalEntry e : entries) {
                if (e.ok()) {
                    best = Math.max(best, -e.fitness());
                    sum += -e.fitness();
                    ok++;
                }
            }
            bestSoFar = Math.max(bestSoFar, best);
            out.add(new GenerationStats(entries.getFirst().stage(), ++index, ok == 0 ? Double.NaN : best,
                    ok == 0 ? Double.NaN : sum / ok, Double.isInfinite(bestSoFar) ? Double.NaN : bestSoFar,
                    entries.size() - ok));
        }
        return out;
    }
}
