package dev.crucible.stream;

import dev.crucible.error.OneLineErrors;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * One {@code crucible merge} (mergekit-yaml) command line run in-process with the CLI's error handling (a user
 * error prints one {@code error:} line and exits 2), and what it printed on standard error.
 *
 * @param code the exit code
 * @param err  standard error
 */
public record MergeCli(int code, String err) {

    /** Runs {@code crucible merge ARGS}. */
    public static MergeCli run(String... args) {
        CommandLine cli = new CommandLine(new MergeCommand());
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err, true));
        cli.setExecutionExceptionHandler(new OneLineErrors());
        int code = cli.execute(args);
        return new MergeCli(code, err.toString());
    }
}
