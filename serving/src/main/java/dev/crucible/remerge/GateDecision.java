package dev.crucible.remerge;

import java.util.List;

/**
 * Whether a candidate beat the champion, with the evidence.
 *
 * @param promote  true when every gate passed
 * @param meanGain mean over tasks of the candidate's gain (positive = better, perplexity counted as its drop)
 * @param reasons  one line per failed gate, empty when promoted
 */
public record GateDecision(boolean promote, double meanGain, List<String> reasons) {

    public GateDecision {
        reasons = List.copyOf(reasons);
    }
}
