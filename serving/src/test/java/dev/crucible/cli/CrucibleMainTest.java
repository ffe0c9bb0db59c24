package dev.crucible.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

/** The assembled command line, driven as a user would. */
class CrucibleMainTest {

    @Test
    void helpListsEveryModulesCommands() {
        CliRun r = CliRun.crucible("--help");

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("demo", "inspect", "merge", "generate", "logits", "eval", "evolve", "serve",
                "run", "worker");
    }

    @Test
    void aUserErrorIsOneLineWithoutAStackTrace() {
        CliRun r = CliRun.crucible("inspect", "/no/such/model");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("error: ").contains("/no/such/model").doesNotContain("\n")
                .doesNotContain("Exception");
    }

    @Test
    void aMistypedCommandLineShowsTheUsage() {
        CliRun r = CliRun.crucible("merge");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: ").contains("usage: crucible merge");
    }

    @Test
    void aCommandRunsInATreeOfItsOwn() {
        CommandLine cl = CrucibleMain.commandLine(new String[] {"merge", "recipe.yml", "out"});

        assertThat(cl.getSubcommands().keySet()).isEqualTo(Set.of("help", "merge"));
    }

    @Test
    void aCommandAloneParsesAndReportsAsInTheWholeTree() {
        for (String[] args : new String[][] {{"merge"}, {"merge", "--help"}, {"inspect", "/no/such/model"},
                {"eval", "--no-such-option", "m"}}) {
            CliRun alone = CliRun.of(CrucibleMain.commandLine(args), args);
            CliRun whole = CliRun.crucible(args);

            assertThat(alone).as(String.join(" ", args)).isEqualTo(whole);
        }
    }

    @Test
    void helpAndUnknownCommandsGetTheWholeTree() {
        int all = CrucibleMain.commandLine().getSubcommands().size();

        assertThat(CrucibleMain.commandLine(new String[] {"help", "merge"}).getSubcommands()).hasSize(all);
        assertThat(CrucibleMain.commandLine(new String[] {"mrege"}).getSubcommands()).hasSize(all);
        assertThat(CrucibleMain.commandLine(new String[0]).getSubcommands()).hasSize(all);
    }
}
