package dev.crucible.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * One {@code crucible} command run in-process as a user types it, with what it printed: the end-to-end tests'
 * way to drive the CLI without a JVM per command.
 *
 * @param code the exit code
 * @param out  standard output
 * @param err  standard error
 */
public record CliRun(int code, String out, String err) {

    /** Runs {@code crucible ARGS} on a fresh command line. */
    public static CliRun crucible(String... args) {
        return of(CrucibleMain.commandLine(), args);
    }

    /** Runs {@code args} on {@code commandLine}, capturing both streams. */
    public static CliRun of(CommandLine commandLine, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
