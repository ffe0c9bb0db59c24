package dev.crucible.moe;

import java.io.PrintStream;

/** Where the build's progress lines go: the terminal's error stream, or nowhere (tests, library use). */
@FunctionalInterface
public interface ProgressPrinter {

    /** Prints nothing. */
    ProgressPrinter NONE = line -> { };

    /** Prints one line of progress. */
    void line(String line);

    /** Lines to {@code out}, flushed each time. */
    static ProgressPrinter to(PrintStream out) {
        return line -> {
            out.println(line);
            out.flush();
        };
    }
}
