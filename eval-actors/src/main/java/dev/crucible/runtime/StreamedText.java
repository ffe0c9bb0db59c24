package dev.crucible.runtime;

import java.util.List;

/**
 * Tracks one generation's decoded text: finds stop strings, and hands out the newly decoded text
 * piece by piece, holding back a tail that could still turn into a stop string or that ends in a
 * half-decoded character, so streamed text never shows what the final text will not contain.
 */
final class StreamedText {

    private final List<String> stops;
    private int emitted;

    StreamedText(List<String> stops) {
        this.stops = stops;
    }

    /** Index where the first stop string starts in text, or -1. */
    int stopIndex(String text) {
        int first = -1;
        for (String s : stops) {
            int i = text.indexOf(s);
            if (i >= 0 && (first < 0 || i < first)) {
                first = i;
            }
        }
        return first;
    }

    /** The not-yet-emitted part of text that is safe to show; everything left when finished. */
    String delta(String text, boolean finished) {
        int safe = text.length();
        if (!finished) {
            if (safe > 0 && text.charAt(safe - 1) == '\uFFFD') {
                safe--;
            }
            safe -= heldBack(text, safe);
        }
        if (safe <= emitted) {
            return "";
        }
        String piece = text.substring(emitted, safe);
        emitted = safe;
        return piece;
    }

    // Longest suffix of text[0, end) that is a proper prefix of some stop string.
    private int heldBack(String text, int end) {
        int longest = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, end); len > longest; len--) {
                if (text.regionMatches(end - len, s, 0, len)) {
                    longest = len;
                    break;
                }
            }
        }
        return longest;
    }
}
