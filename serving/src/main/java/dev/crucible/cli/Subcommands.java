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

/** The subcommands each module contributes, in the order {@code crucible --help} lists them. */
final class Subcommands {
    private Subcommands() {}

    static List<Object> all() {
        return List.of(
                new DemoCommand(),
                new InspectCommand(),
                new MergeCommand(),
                new ExtractLoraCommand(),
                new MoeCommand(),
                new GenerateCommand(),
                new LogitsCommand(),
                new EvalCommand(),
                new EvolveCommand(),
                new ServeCommand(),
                new RunCommand(),
                new WorkerCommand());
    }
}
