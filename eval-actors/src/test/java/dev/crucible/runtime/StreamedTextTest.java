package dev.crucible.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Streamed pieces never show a stop string or a half-decoded character. */
class StreamedTextTest {

    @Test
    void holdsBackATailThatCouldBecomeAStopString() {
        StreamedText t = new StreamedText(List.of("\n\n"));
        assertThat(t.delta("ab", false)).isEqualTo("ab");
        assertThat(t.delta("ab\n", false)).isEmpty();
        assertThat(t.delta("ab\nc", false)).isEqualTo("\nc");
        assertThat(t.stopIndex("ab\nc\n\nd")).isEqualTo(4);
        assertThat(t.delta("ab\nc", true)).isEmpty();
    }

    @Test
    void holdsBackAnIncompleteCharacterUntilItDecodes() {
        StreamedText t = new StreamedText(List.of());
        assertThat(t.delta("x\uFFFD", false)).isEqualTo("x");
        assertThat(t.delta("xé", false)).isEqualTo("é");
    }

    @Test
    void reportsTheEarliestOfSeveralStopStrings() {
        StreamedText t = new StreamedText(List.of("END", "."));
        assertThat(t.stopIndex("one. two END")).isEqualTo(3);
        assertThat(t.stopIndex("none")).isEqualTo(-1);
    }
}
