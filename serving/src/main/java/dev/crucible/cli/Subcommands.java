package dev.crucible.cli;

import dev.crucible.checkpoint.InspectCommand;
import java.util.List;

/** The subcommands each module contributes, in the order {@code crucible --help} lists them. */
final class Subcommands {
    private Subcommands() {}

    static List<Object> all() {
        return List.of(new InspectCommand());
    }
}
