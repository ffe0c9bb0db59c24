package dev.crucible.demo;

import static dev.crucible.demo.Narration.INDENT;
import static dev.crucible.demo.Narration.pct;
import static dev.crucible.demo.Narration.seconds;

import dev.crucible.app.AppConfig;
import dev.crucible.app.AppConfigParser;
import dev.crucible.app.RemergeApp;
import dev.crucible.error.CrucibleException;
import dev.crucible.eval.EvaluationSession;
import dev.crucible.eval.ModelLoader;
import dev.crucible.evolve.EvolutionOutcome;
import dev.crucible.evolve.EvolveOptions;
import dev.crucible.evolve.Evolution;
import dev.crucible.evolve.config.EvolveConfigParser;
import dev.crucible.remerge.Decision;
import dev.crucible.remerge.HistoryEntry;
import dev.crucible.remerge.RemergeRoutes;
import dev.crucible.serve.CrucibleServer;
import dev.crucible.serve.ServeConfig;
import dev.crucible.stream.MergeCommand;
import dev.crucible.task.Task;
import dev.crucible.task.TaskLoader;
import dev.crucible.task.TaskScore;
import dev.crucible.task.TaskSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * The demo's steps, each printed as a heading and one-line results. On the zoo: hand merges of the two
 * experts, their scores next to the experts', a short evolutionary search, the evolved merge served by the
 * re-merge service, and a new base announced to it. On zoo2 ({@link MoeChapter}): weight merges against
 * mixtures of experts, and the calibrated mixture served. Everything is written under the work folder.
 */
final class DemoStory {

    private static final int STEPS = 7;
    private static final Duration DECISION_TIMEOUT = Duration.ofMinutes(10);
    private static final String TRY_PROMPT = "add 12 34 =";

    private final DemoSettings settings;
    private final DemoZoo zoo;
    private final Path work;
    private final Narration narration;
    private final long started = System.nanoTime();

    DemoStory(DemoSettings settings, PrintWriter out) {
        this.settings = settings;
        this.zoo = settings.zoo();
        this.work = settings.work();
        this.narration = new Narration(out, STEPS);
    }

    /** Runs every step; with {@code exit} stops the service at the end, otherwise serves until the process is stopped. */
    void run() {
        narration.line("crucible demo: the whole story on the zoo in " + zoo.dir());
        narration.line("everything goes to " + work);
        Path evolvedRecipe;
        try (EvaluationSession session = EvaluationSession.start(1, ModelLoader.standard(),
                EvaluationSession.defaultSettings(), EvaluationSession.quietConfig())) {
            Map<String, Path> merges = mergeByHand();
            evolvedRecipe = evolve(session, evaluate(session, merges));
        }
        try (RemergeApp app = serve(evolvedRecipe)) {
            announceNewBase(app);
            MoeChapter zoo2 = new MoeChapter(settings, narration);
            Path mixture = zoo2.compare(6);
            try (CrucibleServer moe = zoo2.serve(7, mixture)) {
                finish(app, moe);
            }
        }
    }

    // ---- step 1 ----

    private Map<String, Path> mergeByHand() {
        long t = narration.step(1, "Merge expert-add and expert-rev with the hand recipes (linear, task_arithmetic, ties)");
        Map<String, Path> recipes = HandRecipes.write(zoo.base(), zoo.expertAdd(), zoo.expertRev(),
                work.resolve("recipes"));
        Map<String, Path> merged = new LinkedHashMap<>();
        for (Map.Entry<String, Path> recipe : recipes.entrySet()) {
            Path target = work.resolve("merges").resolve(recipe.getKey());
            StringWriter said = new StringWriter();
            CommandLine merge = new CommandLine(new MergeCommand()).setOut(new PrintWriter(said, true))
                    .setExecutionExceptionHandler((e, cl, parsed) -> {
                        throw e;
                    });
            merge.execute(recipe.getValue().toString(), target.toString(), "--threads",
                    String.valueOf(settings.mergeThreads()));
            narration.line(INDENT + String.format(Locale.ROOT, "%-16s ", recipe.getKey()) + said.toString().strip());
            merged.put(recipe.getKey(), target);
        }
        narration.line(INDENT + "recipes: " + work.resolve("recipes") + "  (mergekit format; try: crucible merge RECIPE OUT)");
        narration.done(t);
        return merged;
    }

    // ---- step 2 ----

    private List<ModelScores> evaluate(EvaluationSession session, Map<String, Path> merges) {
        long t = narration.step(2, "Evaluate experts and hand merges on the test sets (" + settings.testLimit()
                + " items per task)");
        List<Task> test = tasks(zoo.addTest(), zoo.revTest(), settings.testLimit());
        List<ModelScores> rows = new ArrayList<>();
        rows.add(ModelScores.evaluate("expert-add", "expert", session, zoo.expertAdd(), test));
        rows.add(ModelScores.evaluate("expert-rev", "expert", session, zoo.expertRev(), test));
        List<ModelScores> hand = new ArrayList<>();
        merges.forEach((name, dir) -> hand.add(ModelScores.evaluate(name, "hand merge", session, dir, test)));
        rows.addAll(hand);
        narration.table(rows);
        ModelScores bestHand = ModelScores.best(hand);
        narration.line(INDENT + String.format(Locale.ROOT, "experts: add %s on add, rev %s on rev; best hand merge %s keeps "
                        + "only %s on its weaker task", pct(rows.get(0).scores().get("add")),
                pct(rows.get(1).scores().get("rev")), bestHand.name(), pct(bestHand.weakest())));
        narration.done(t);
        return hand;
    }

    // ---- step 3 ----

    private Path evolve(EvaluationSession session, List<ModelScores> hand) {
        int evaluations = settings.evolveEvaluations();
        long t = narration.step(3, "Evolve the task_arithmetic weights with CMA-ES, fitness = mean dev accuracy (" + evaluations
                + " candidates, " + settings.devLimit() + " items per task)");
        Path config = work.resolve("evolve.yml");
        int population = Math.max(2, Math.min(6, evaluations));
        try {
            Files.writeString(config, """
                    # the demo's search (crucible evolve %s evolve): weights of base + w_add (add - base) + w_rev (rev - base)
                    base_model: %s
                    models: [%s, %s]
                    merge_method: task_arithmetic
                    genome: {layer_groups: 1, filters: [], weight_range: [0, 2]}
                    search: {population: %d, max_evaluations: %d, sigma: 0.3, seed: 1}
                    tasks:
                      - {name: add, path: %s, limit: %d}
                      - {name: rev, path: %s, limit: %d}
                    """.formatted(config.getFileName(), YamlText.quote(zoo.base()), YamlText.quote(zoo.expertAdd()),
                    YamlText.quote(zoo.expertRev()), population, evaluations, YamlText.quote(zoo.addDev()),
                    settings.devLimit(), YamlText.quote(zoo.revDev()), settings.devLimit()));
        } catch (IOException e) {
            throw new CrucibleException(config + ": cannot write the evolution config (" + e.getMessage() + ")", e);
        }
        Path outDir = work.resolve("evolve");
        EvolutionOutcome outcome;
        try (PrintStream progress = new PrintStream(new IndentedLines(narration.writer(), INDENT),
                true, StandardCharsets.UTF_8)) {
            outcome = Evolution.run(EvolveConfigParser.parse(config), outDir,
                    new EvolveOptions(1, false, 0, settings.mergeThreads()), progress);
        }
        narration.line(INDENT + String.format(Locale.ROOT, "best dev accuracy %s after %d candidates; report %s",
                pct(outcome.report().evolved().devMean()), outcome.report().evaluations(), outDir.resolve("report.md")));
        List<String> genes = new ArrayList<>();
        outcome.report().parameters().forEach((name, value) -> genes.add(name + " " + value));
        narration.line(INDENT + "evolved parameters: " + String.join(", ", genes));
        compareEvolved(session, hand, outDir.resolve("model"));
        narration.done(t);
        return outDir.resolve("best-recipe.yml");
    }

    private void compareEvolved(EvaluationSession session, List<ModelScores> hand, Path model) {
        narration.line(INDENT + "the evolved merge on the same test items:");
        ModelScores evolved = ModelScores.evaluate("evolved", "evolved", session, model,
                tasks(zoo.addTest(), zoo.revTest(), settings.testLimit()));
        List<ModelScores> rows = new ArrayList<>(hand);
        rows.add(evolved);
        narration.table(rows);
        ModelScores bestHand = ModelScores.best(hand);
        narration.line(INDENT + String.format(Locale.ROOT, "evolved vs best hand merge (%s): %+.1f points mean, %+.1f points on "
                        + "the weaker task", bestHand.name(), 100 * (evolved.mean() - bestHand.mean()),
                100 * (evolved.weakest() - bestHand.weakest())));
    }

    // ---- step 4 ----

    private RemergeApp serve(Path evolvedRecipe) {
        long t = narration.step(4,
                "Serve the evolved merge with crucible run (champion built from base, re-merged on new bases)");
        checkPortFree(settings.port());
        Path serviceDir = work.resolve("service");
        Path appFile = RemergeAppFiles.write(serviceDir, evolvedRecipe, zoo, settings.port(), settings.devLimit());
        AppConfig config = AppConfigParser.parse(appFile);
        ServeConfig serve = RemergeApp.serveConfig(config);
        narration.line(INDENT + "wrote " + appFile + " and " + config.recipe()
                + " (base_model: ${BASE}, task_vector_base: base)");
        narration.line(INDENT + "the same service later, without the demo: crucible run " + appFile);
        narration.line(INDENT + "building the champion: merge onto " + zoo.base().getFileName() + ", score on dev, load ...");
        RemergeApp app = RemergeApp.start(config, serve);
        try {
            URI base = app.baseUri();
            HistoryEntry first = app.service().history().getFirst();
            narration.line(INDENT + "champion " + first.id() + " serves as " + first.version() + " on " + base + "  (dev "
                    + scoreLine(first.scores()) + ")");
            Path token = serviceDir.resolve(RemergeAppFiles.TOKEN);
            narration.line(INDENT + "try it:");
            narration.line(INDENT + INDENT + "curl " + base
                    + "/v1/completions -H 'Content-Type: application/json' -d '{\"prompt\": \""
                    + TRY_PROMPT + "\", \"max_tokens\": 4, \"temperature\": 0}'");
            narration.line(INDENT + INDENT + "curl " + base + "/v1/models");
            narration.line(INDENT + INDENT + "curl " + base + "/metrics");
            narration.line(INDENT + INDENT + "curl -H \"Authorization: Bearer $(cat " + token + ")\" " + base
                    + RemergeRoutes.HISTORY);
            LocalClient client = new LocalClient(base);
            narration.line(INDENT + "asked it: \"" + TRY_PROMPT + "\" -> \"" + client.complete(TRY_PROMPT, 4) + "\"");
            narration.done(t);
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    private static void checkPortFree(int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new CrucibleException("--port " + port + ": 127.0.0.1:" + port + " is in use; pass another --port "
                    + "(0 picks a free one)");
        }
    }

    // ---- step 5 ----

    private void announceNewBase(RemergeApp app) {
        long t = narration.step(5, "A new base arrives: announce base-v2 and let the gates decide");
        Path basesDir = work.resolve("service").resolve(RemergeAppFiles.BASES);
        Path arrived = basesDir.resolve(zoo.baseV2().getFileName());
        copyCheckpoint(zoo.baseV2(), arrived);
        narration.line(INDENT + "copied " + zoo.baseV2().getFileName() + " into " + basesDir
                + "  (or: POST " + RemergeRoutes.BASES + " {\"path\": ...})");
        narration.line(INDENT + "the service re-merges the evolved recipe onto it (task vectors still taken against base), "
                + "scores it on dev and compares with the champion ...");
        HistoryEntry decision = awaitDecision(app, arrived);
        HistoryEntry champion = app.service().history().stream()
                .filter(h -> h.id().equals(decision.champion())).findFirst().orElse(app.service().history().getFirst());
        narration.line(INDENT + decision.decision().name() + " " + decision.id() + ": dev " + scoreLine(decision.scores())
                + " vs champion " + champion.id() + " " + scoreLine(champion.scores())
                + String.format(Locale.ROOT, " (mean %+.1f points)", 100 * decision.meanGain()));
        decision.reasons().forEach(r -> narration.line(INDENT + INDENT + "because " + r));
        String served = new LocalClient(app.baseUri()).servedVersion();
        narration.line(INDENT + "serving " + served + (decision.decision() == Decision.PROMOTED
                ? " (the re-merge on base-v2)" : " (still the champion " + champion.id() + ")"));
        narration.done(t);
    }

    private static HistoryEntry awaitDecision(RemergeApp app, Path base) {
        String key = base.toAbsolutePath().normalize().toString();
        long deadline = System.nanoTime() + DECISION_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<HistoryEntry> decided = app.service().history().stream()
                    .filter(h -> key.equals(h.base()) && h.decision() != Decision.INITIAL).findFirst();
            if (decided.isPresent()) {
                return decided.get();
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CrucibleException("interrupted while waiting for the decision on " + base, e);
            }
        }
        throw new CrucibleException("no decision on " + base + " within " + DECISION_TIMEOUT.toMinutes()
                + " minutes; see the service's history in " + base.getParent().resolveSibling("state"));
    }

    /** Copies a checkpoint as an upload would arrive: weights first, config.json last. */
    private static void copyCheckpoint(Path from, Path to) {
        try (Stream<Path> list = Files.list(from)) {
            Files.createDirectories(to);
            for (Path f : list.sorted(Comparator.comparing((Path p) -> p.endsWith("config.json"))).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        } catch (IOException e) {
            throw new CrucibleException("cannot copy " + from + " into " + to + " (" + e.getMessage() + ")", e);
        }
    }

    // ---- the end ----

    private void finish(RemergeApp app, CrucibleServer mixture) {
        String elapsed = seconds(started);
        if (settings.exit()) {
            narration.line("");
            narration.line("done in " + elapsed + "; stopping the services (--exit)");
            app.close();
            mixture.close();
            narration.line("stopped; everything is in " + work);
            return;
        }
        narration.line("");
        narration.line("done in " + elapsed + "; serving on " + app.baseUri() + " and the mixture on " + mixture.baseUri()
                + " until Ctrl-C (everything is in " + work + ")");
        app.whenTerminated().toCompletableFuture().join();
        narration.line("stopped");
    }

    // ---- helpers ----

    private static List<Task> tasks(Path add, Path rev, int limit) {
        return List.of(TaskLoader.load(TaskSpec.of("add", add)).limit(limit),
                TaskLoader.load(TaskSpec.of("rev", rev)).limit(limit));
    }



    private static String scoreLine(Map<String, TaskScore> scores) {
        List<String> parts = new ArrayList<>();
        scores.values().forEach(s -> parts.add(s.task() + " " + pct(s.ok() ? s.score() : Double.NaN)));
        return String.join(", ", parts);
    }





}
