package dev.crucible.demo;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** An output stream that forwards each complete line to a writer, indented, so library progress nests under a step. */
final class IndentedLines extends OutputStream {

    private final PrintWriter out;
    private final String indent;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    IndentedLines(PrintWriter out, String indent) {
        this.out = out;
        this.indent = indent;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            emit();
        } else {
            line.write(b);
        }
    }

    @Override
    public synchronized void flush() {
        out.flush();
    }

    @Override
    public synchronized void close() {
        if (line.size() > 0) {
            emit();
        }
        out.flush();
    }

    private void emit() {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        out.println(indent + (text.endsWith("\r") ? text.substring(0, text.length() - 1) : text));
        out.flush();
    }
}
