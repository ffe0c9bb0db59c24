package dev.crucible.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class IndentedLinesTest {

    @Test
    void indentsEveryLineAndFlushesAPartialLastOne() {
        StringWriter target = new StringWriter();
        try (PrintStream stream = new PrintStream(new IndentedLines(new PrintWriter(target, true), "  "), true,
                StandardCharsets.UTF_8)) {
            stream.println("generation 0, best dev 0.5000");
            stream.print("r\u00e9sum\u00e9\r\nunfinished");
        }
        assertThat(target.toString().lines()).containsExactly("  generation 0, best dev 0.5000", "  r\u00e9sum\u00e9",
                "  unfinished");
    }
}
