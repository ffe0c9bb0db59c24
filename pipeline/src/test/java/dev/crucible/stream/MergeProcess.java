package dev.crucible.stream;

import picocli.CommandLine;

/** {@code crucible merge} alone in its own JVM, for tests that stop a merge with a signal. */
public final class MergeProcess {

    private MergeProcess() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new MergeCommand()).execute(args));
    }
}
