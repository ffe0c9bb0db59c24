package dev.crucible.error;

import picocli.CommandLine;

/**
 * How every command reports a failure: a {@link CrucibleException} anywhere in the cause chain is the user's to
 * fix, printed as one line ({@code error: ...}, exit code 2); anything else is our bug, printed with its stack
 * trace (exit code 1).
 */
public final class OneLineErrors implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        Throwable t = e;
        while (t != null && !(t instanceof CrucibleException)) {
            t = t.getCause();
        }
        if (t != null) {
            cl.getErr().println("error: " + t.getMessage());
            return 2;
        }
        cl.getErr().println("error: unexpected failure: " + e);
        e.printStackTrace(cl.getErr());
        return 1;
    }
}
