package dev.crucible.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Set;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

/** The assembled command line, driven as a user would. */
class CrucibleMainTest {

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        return run(CrucibleMain.commandLine(), args);
    }

    private static Run run(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsEveryModulesCommands() {
        Run r = run("--help");

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("demo", "inspect", "merge", "generate", "logits", "eval", "evolve", "serve",
                "run", "worker");
    }

    @Test
    void aUserErrorIsOneLineWithoutAStackTrace() {
        Run r = run("inspect", "/no/such/model");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("error: ").contains("/no/such/model").doesNotContain("\n")
                .doesNotContain("Exception");
    }

    @Test
    void aMistypedCommandLineShowsTheUsage() {
        Run r = run("merge");

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
            Run alone = run(CrucibleMain.commandLine(args), args);
            Run whole = run(args);

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
