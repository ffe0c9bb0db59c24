package dev.crucible.cli;

import dev.crucible.error.OneLineErrors;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code crucible} command line: assembles every module's subcommands. */
@Command(
        name = "crucible",
        mixinStandardHelpOptions = true,
        versionProvider = CrucibleVersion.class,
        description = "Merge, evaluate, evolve and serve language models on a CPU.",
        subcommands = {CommandLine.HelpCommand.class})
public final class CrucibleMain implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** Builds the command tree; tests drive the CLI through this, as a user would. */
    public static CommandLine commandLine() {
        return commandLine(Subcommands.all());
    }

    /**
     * The tree {@link #main} runs {@code args} with: when the first argument names a subcommand, only that one
     * (what it parses, prints and does is the same; the other commands' classes are not loaded), else all of them
     * ({@code --help}, {@code help COMMAND}, typos, which list or suggest the others).
     */
    public static CommandLine commandLine(String[] args) {
        return (args.length > 0 ? Subcommands.named(args[0]) : Optional.empty())
                .map(sub -> commandLine(List.of(sub)))
                .orElseGet(CrucibleMain::commandLine);
    }

    private static CommandLine commandLine(List<Object> subcommands) {
        CommandLine cl = new CommandLine(new CrucibleMain());
        for (Object sub : subcommands) {
            cl.addSubcommand(sub);
        }
        cl.setExecutionExceptionHandler(new OneLineErrors());
        cl.setParameterExceptionHandler(new UsageErrorHandler());
        return cl;
    }

    public static void main(String[] args) throws InterruptedException {
        // Initialise logging before Pekko and DJL log from their own threads; otherwise SLF4J buffers
        // those calls and prints a replay warning on the terminal. It reads its configuration while
        // picocli builds the command tree (a tenth of a second each at start-up) and is done before
        // any command runs.
        Thread logging = Thread.ofPlatform().name("crucible-logging-init").start(LoggerFactory::getILoggerFactory);
        CommandLine cl = commandLine(args);
        logging.join();
        int code = cl.execute(args);
        // Pekko and DJL may leave non-daemon threads behind; the exit code is what counts.
        System.exit(code);
    }

    /** Prints a one-line usage error plus the command's synopsis, exit code 2. */
    private static final class UsageErrorHandler implements CommandLine.IParameterExceptionHandler {
        @Override
        public int handleParseException(CommandLine.ParameterException ex, String[] args) {
            CommandLine cl = ex.getCommandLine();
            cl.getErr().println("error: " + ex.getMessage());
            cl.getErr().println("usage: " + cl.getHelp().synopsis(0).trim());
            cl.getErr().println("try '" + cl.getCommandSpec().qualifiedName() + " --help' for more");
            return 2;
        }
    }
}
