package dev.crucible.config;

import java.util.Collection;
import java.util.Locale;

/**
 * The "did you mean" of a misspelt name: the known name at the smallest edit distance, when that distance is
 * small for the name's length (at most a third of it, between 1 and 3 edits), else none.
 */
public final class ClosestName {

    private ClosestName() {
    }

    /** The known name closest to {@code unknown}, or null when none is close enough to be a misspelling. */
    public static String of(String unknown, Collection<String> known) {
        String probe = canonical(unknown);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String name : known) {
            int d = editDistance(probe, name);
            if (d < bestDistance) {
                bestDistance = d;
                best = name;
            }
        }
        int allowed = Math.max(1, Math.min(3, probe.length() / 3));
        return bestDistance <= allowed ? best : null;
    }

    private static String canonical(String s) {
        return s.trim().toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
    }

    /** Levenshtein distance: insertions, deletions and substitutions each cost one. */
    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
