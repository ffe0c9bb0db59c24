package dev.crucible.demo;

import dev.crucible.error.CrucibleException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code crucible demo}: merge, evaluate, evolve, serve and re-merge on the bundled zoo, narrating each step. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The whole story on the bundled demo zoo, in a few minutes on a CPU: merge two experts by hand, "
                + "evaluate them, evolve a better merge, serve it with the re-merge service, then announce a new base "
                + "and show the candidate promoted or rejected. Then zoo2, whose experts hold their skills in the same "
                + "MLP weights: weight merges lose both, a mixture of experts with calibrated routers keeps both, and "
                + "is served.",
                "Everything is written to the work folder; the service keeps serving until Ctrl-C (or use --exit)."})
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--zoo", paramLabel = "DIR", defaultValue = "fixtures/zoo",
            description = "The demo zoo: base, base-v2, expert-add, expert-rev and the add/rev tasks "
                    + "(default: ${DEFAULT-VALUE}).")
    Path zoo;

    @Option(names = "--zoo2", paramLabel = "DIR", defaultValue = "fixtures/zoo2",
            description = "The MoE chapter's zoo: base, expert-add and expert-rev fine-tuned in their MLPs only, and the "
                    + "add/rev tasks (default: ${DEFAULT-VALUE}).")
    Path zoo2;

    @Option(names = "--work", paramLabel = "DIR",
            description = "Folder for merges, search results and the service's state (default: a fresh folder under "
                    + "demo-run/). Must be new or empty unless --force.")
    Path work;

    @Option(names = "--force", description = "Empty a non-empty --work folder first.")
    boolean force;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080",
            description = "Port of the served model on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--evolve-evaluations", paramLabel = "N", defaultValue = "12",
            description = "Candidates the evolutionary search evaluates (default: ${DEFAULT-VALUE}).")
    int evolveEvaluations;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "200",
            description = "Test items per task in the comparison tables (default: ${DEFAULT-VALUE}).")
    int testLimit;

    @Option(names = "--dev-limit", paramLabel = "N", defaultValue = "64",
            description = "Dev items per task for the search's fitness and the service's gates (default: ${DEFAULT-VALUE}).")
    int devLimit;

    @Option(names = "--exit", description = "Stop the service and exit after the story instead of serving until Ctrl-C.")
    boolean exit;

    @Override
    public Integer call() {
        if (port < 0 || port > 65535) {
            throw new CrucibleException("--port: " + port + " is out of range; use 0..65535 (0 picks a free port)");
        }
        if (evolveEvaluations < 2) {
            throw new CrucibleException("--evolve-evaluations: must be at least 2 (one generation of two), got "
                    + evolveEvaluations);
        }
        if (testLimit < 1) {
            throw new CrucibleException("--limit: must be at least 1, got " + testLimit);
        }
        if (devLimit < 1) {
            throw new CrucibleException("--dev-limit: must be at least 1, got " + devLimit);
        }
        DemoZoo models = DemoZoo.open(zoo);
        MoeZoo mlpExperts = MoeZoo.open(zoo2);
        Path dir = WorkDir.prepare(work != null ? work : WorkDir.fresh(LocalDateTime.now()), force, models.dir());
        DemoSettings settings = new DemoSettings(models, mlpExperts, dir, port, testLimit, devLimit, evolveEvaluations,
                Runtime.getRuntime().availableProcessors(), exit);
        try (QuietLogs quiet = QuietLogs.install()) {
            new DemoStory(settings, spec.commandLine().getOut()).run();
        }
        return 0;
    }
}
