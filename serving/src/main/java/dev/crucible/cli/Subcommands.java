package dev.crucible.cli;

import dev.crucible.app.RunCommand;
import dev.crucible.app.WorkerCommand;
import dev.crucible.checkpoint.InspectCommand;
import dev.crucible.demo.DemoCommand;
import dev.crucible.eval.EvalCommand;
import dev.crucible.evolve.EvolveCommand;
import dev.crucible.lora.ExtractLoraCommand;
import dev.crucible.moe.MoeCommand;
import dev.crucible.runtime.GenerateCommand;
import dev.crucible.runtime.LogitsCommand;
import dev.crucible.serve.ServeCommand;
import dev.crucible.stream.MergeCommand;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine.Command;

/** The subcommands each module contributes, in the order {@code crucible --help} lists them. */
final class Subcommands {
    private Subcommands() {}

    /** One subcommand: its class (whose {@code @Command} names it) and how to make one. */
    private record Entry(Class<?> type, Supplier<Object> create) {
        String name() {
            return type.getAnnotation(Command.class).name();
        }
    }

    private static final List<Entry> ENTRIES = List.of(
            new Entry(DemoCommand.class, DemoCommand::new),
            new Entry(InspectCommand.class, InspectCommand::new),
            new Entry(MergeCommand.class, MergeCommand::new),
            new Entry(ExtractLoraCommand.class, ExtractLoraCommand::new),
            new Entry(MoeCommand.class, MoeCommand::new),
            new Entry(GenerateCommand.class, GenerateCommand::new),
            new Entry(LogitsCommand.class, LogitsCommand::new),
            new Entry(EvalCommand.class, EvalCommand::new),
            new Entry(EvolveCommand.class, EvolveCommand::new),
            new Entry(ServeCommand.class, ServeCommand::new),
            new Entry(RunCommand.class, RunCommand::new),
            new Entry(WorkerCommand.class, WorkerCommand::new));

    static List<Object> all() {
        return ENTRIES.stream().map(e -> e.create().get()).toList();
    }

    /**
     * The subcommand called {@code name}, made without the others: picocli reads every registered command's
     * options reflectively, so building the whole tree for a command that runs one of them loads classes for
     * nothing at each start.
     */
    static Optional<Object> named(String name) {
        return ENTRIES.stream().filter(e -> e.name().equals(name)).findFirst().map(e -> e.create().get());
    }
}
