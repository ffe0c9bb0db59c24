package dev.crucible.stream;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressLineTest {

    @Test
    void lineShowsCountsRateAndEta() {
        MergeProgress p = new MergeProgress(10, 40, 200_000_000L, 25_000_000L, 100_000_000L, Duration.ofSeconds(2), "x");
        assertThat(ProgressLine.format(p)).isEqualTo("merging 10/40 tensors  25%  200.0 MB read  100 MB/s  ETA 0:06");
    }

    @Test
    void rewritesOneLineAndEndsItAfterTheLastTensor() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressLine line = new ProgressLine(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        line.onTensor(new MergeProgress(1, 2, 10, 5, 10, Duration.ofMillis(10), "a"));
        line.onTensor(new MergeProgress(2, 2, 20, 10, 10, Duration.ofMillis(20), "b"));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).startsWith("\r").endsWith("\n").contains("merging 2/2 tensors 100%");
        assertThat(text.chars().filter(c -> c == '\n').count()).isEqualTo(1);
    }
}
