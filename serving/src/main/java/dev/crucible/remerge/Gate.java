package dev.crucible.remerge;

import dev.crucible.app.GateSettings;
import dev.crucible.task.TaskScore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The promotion rule: a candidate replaces the champion when its mean gain over the tasks is at least
 * {@code min_mean_gain} (0: "not lower") and no single task loses more than {@code max_task_drop}.
 * Gains are oriented so that positive is better for every metric (a perplexity that falls is a gain).
 */
public final class Gate {

    private final GateSettings settings;

    public Gate(GateSettings settings) {
        this.settings = settings;
    }

    /** Compares the candidate's scores with the champion's on the champion's tasks. */
    public GateDecision decide(Map<String, TaskScore> champion, Map<String, TaskScore> candidate) {
        List<String> reasons = new ArrayList<>();
        double gainSum = 0;
        int counted = 0;
        for (TaskScore base : champion.values()) {
            TaskScore next = candidate.get(base.task());
            if (next == null) {
                reasons.add(base.task() + ": the candidate was not scored on it");
                continue;
            }
            if (!next.ok()) {
                reasons.add(base.task() + ": scoring the candidate failed (" + next.failure() + ")");
                continue;
            }
            if (!base.ok()) {
                // A champion that could not be scored on a task sets no bar there.
                continue;
            }
            double gain = next.higherIsBetter() ? next.score() - base.score() : base.score() - next.score();
            gainSum += gain;
            counted++;
            if (gain < -settings.maxTaskDrop()) {
                reasons.add(String.format(Locale.ROOT, "%s: %s fell from %.4f to %.4f (more than max_task_drop %.4f)",
                        base.task(), base.metric(), base.score(), next.score(), settings.maxTaskDrop()));
            }
        }
        double meanGain = counted == 0 ? 0 : gainSum / counted;
        if (counted > 0 && meanGain < settings.minMeanGain()) {
            reasons.add(settings.minMeanGain() == 0
                    ? String.format(Locale.ROOT, "mean: %.4f lower than the champion's", -meanGain)
                    : String.format(Locale.ROOT, "mean: gained %.4f, less than min_mean_gain %.4f", meanGain,
                            settings.minMeanGain()));
        }
        return new GateDecision(reasons.isEmpty(), meanGain, reasons);
    }
}
