package dev.crucible.app;

import dev.crucible.remerge.RemergeRoutes;
import dev.crucible.remerge.RemergeState;
import dev.crucible.serve.ServeConfig;
import dev.crucible.serve.template.ChatTemplates;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code crucible run APP.yml}: serve the champion and re-merge it onto every new base, until SIGTERM or Ctrl-C. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"The always-on service: restores the champion from state_dir (or builds it from initial_base "
                + "on the first start), serves it, watches bases_dir "
                + "(and POST /admin/bases), re-merges the recipe onto each new base, evaluates the candidate and "
                + "promotes it when the gates pass.", "History and champion survive restarts (state_dir)."})
public final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "APP.yml", description = "The app config (serve, recipe, initial_base, bases_dir, "
            + "tasks, gates, state_dir, watch, cluster).")
    Path configFile;

    /** What a start does: restore the champion stored in state_dir, or build the first one from initial_base. */
    static String startLine(AppConfig config) {
        return RemergeState.storedChampion(config.stateDir())
                .map(c -> "restoring the champion " + c.id() + " (" + c.dir() + ") from " + config.stateDir() + " ...")
                .orElseGet(() -> "building the champion from " + config.initialBase() + " (recipe " + config.recipe()
                        + "); no champion stored in " + config.stateDir() + " yet ...");
    }
    @Option(names = "--chat-template", paramLabel = "FILE",
            description = "Jinja chat template file used instead of the served models' own (as vLLM's flag).")
    Path chatTemplate;

    @Override
    public Integer call() {
        AppConfig config = AppConfigParser.parse(configFile);
        ServeConfig serve = RemergeApp.serveConfig(config);
        if (chatTemplate != null) {
            ChatTemplates.readOverride(chatTemplate);
            serve = serve.withChatTemplate(chatTemplate);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(startLine(config));
        out.flush();
        try (RemergeApp app = RemergeApp.start(config, serve)) {
            String base = app.baseUri().toString();
            String auth = serve.adminToken().isPresent() ? " (bearer token)" : " (disabled: no admin token)";
            out.println("champion " + app.service().champion().map(c -> c.id()).orElse("?") + " serves on " + base);
            out.println("  completions  POST " + base + "/v1/completions");
            out.println("  models       GET  " + base + "/v1/models");
            out.println("  metrics      GET  " + base + "/metrics");
            out.println("  new base     POST " + base + RemergeRoutes.BASES + auth + "  or drop a folder into " + config.basesDir());
            out.println("  waiting      GET  " + base + RemergeRoutes.BASES + auth);
            out.println("  history      GET  " + base + RemergeRoutes.HISTORY + auth);
            out.println("  promote      POST " + base + RemergeRoutes.PROMOTE + auth + "  (recorded in history, kept on restart)");
            out.println("  rollback     POST " + base + RemergeRoutes.ROLLBACK + auth);
            out.println("press Ctrl-C to stop");
            out.flush();
            app.whenTerminated().toCompletableFuture().join();
            out.println("stopped");
        }
        return 0;
    }
}
