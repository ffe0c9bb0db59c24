package dev.crucible.remerge;

import dev.crucible.task.TaskScore;
import java.time.Instant;
import java.util.List;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of {@code state_dir/history.jsonl}: a candidate, its scores and what was decided.
 *
 * @param id          candidate id ({@code c0003-base-v2}); for a rollback, the champion returned to
 * @param at          when the decision was taken
 * @param decision    the outcome
 * @param base        the base checkpoint the candidate was merged onto
 * @param candidate   the merged model folder (deleted after a rejection or failure, to save disk)
 * @param scores      the candidate's scores by task
 * @param champion    the id of the champion it was compared with (null for the first one)
 * @param meanGain    mean gain over the champion (0 when not compared)
 * @param reasons     why it was rejected or failed; empty otherwise
 * @param version     the served version after the decision ({@code v3}), null when nothing was served
 */
public record HistoryEntry(String id, Instant at, Decision decision, String base, String candidate,
                           Map<String, TaskScore> scores, String champion, double meanGain, List<String> reasons,
                           String version) {

    public HistoryEntry {
        scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
        reasons = List.copyOf(reasons);
    }
}
