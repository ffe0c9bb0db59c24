package dev.crucible.cli;

import dev.crucible.error.OneLineErrors;
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
        CommandLine cl = new CommandLine(new CrucibleMain());
        for (Object sub : Subcommands.all()) {
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
        CommandLine cl = commandLine();
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
