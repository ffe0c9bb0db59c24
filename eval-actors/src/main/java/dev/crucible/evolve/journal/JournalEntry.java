package dev.crucible.evolve.journal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One evaluated candidate, one line of {@code journal.jsonl}.
 *
 * @param stage      the search space of the stage ({@code parameter} or {@code dataflow})
 * @param generation CMA-ES generation
 * @param candidate  candidate id, unique within the stage
 * @param genome     the point evaluated
 * @param parameters the decoded merge parameters
 * @param dev        dev score per task (empty when the candidate failed)
 * @param fitness    minus the mean dev score (NaN when failed)
 * @param status     {@code ok} or {@code failed}
 * @param error      why it failed, or null
 * @param seconds    merge plus evaluation time
 */
public record JournalEntry(String stage, int generation, int candidate, double[] genome, Map<String, Object> parameters,
                           Map<String, Double> dev, double fitness, String status, String error, double seconds) {

    /** Status of a candidate that was merged and scored. */
    public static final String OK = "ok";
    /** Status of a candidate whose merge or evaluation broke. */
    public static final String FAILED = "failed";

    public JournalEntry {
        genome = genome.clone();
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        dev = Collections.unmodifiableMap(new LinkedHashMap<>(dev));
    }

    @Override
    public double[] genome() {
        return genome.clone();
    }

    /** Whether the candidate has a usable fitness. */
    public boolean ok() {
        return OK.equals(status) && Double.isFinite(fitness);
    }
}
