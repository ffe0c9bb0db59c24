package dev.crucible.evolve;

import dev.crucible.error.CrucibleException;
import dev.crucible.evolve.config.EvolveConfig;
import dev.crucible.evolve.config.EvolveConfigParser;
import dev.crucible.evolve.report.ScoreRow;
import dev.crucible.evolve.report.SearchReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code crucible evolve CONFIG.yml OUT_DIR}: evolutionary search for a merge recipe (CMA-ES over merge parameters). */
@Command(name = "evolve", mixinStandardHelpOptions = true,
        description = "Search merge parameters (and/or layer paths, or a mixture of experts: genome.space moe) with "
                + "CMA-ES, scoring candidates in memory on dev tasks; writes best-recipe.yml (not for moe), model/, "
                + "journal.jsonl, report.md and fitness.png to OUT_DIR.")
public final class EvolveCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CONFIG.yml", description = "Evolution config (models, method, genome, search, tasks).")
    Path config;

    @Parameters(index = "1", paramLabel = "OUT_DIR", description = "Output folder (journal, state, results).")
    Path outDir;

    @Option(names = "--resume", description = "Continue the search saved in OUT_DIR (same config, same result as uninterrupted).")
    boolean resume;

    @Option(names = "--evaluators", paramLabel = "N", defaultValue = "1",
            description = "Evaluator actors scoring candidates concurrently (default: ${DEFAULT-VALUE}).")
    int evaluators;

    @Option(names = "--stop-after", paramLabel = "GENERATIONS", defaultValue = "0",
            description = "Pause each stage after this many generations in this session; continue later with --resume.")
    int stopAfter;

    @Override
    public Integer call() {
        if (evaluators < 1) {
            throw new CrucibleException("--evaluators must be at least 1, got " + evaluators);
        }
        if (stopAfter < 0) {
            throw new CrucibleException("--stop-after must be 0 (no pause) or more, got " + stopAfter);
        }
        EvolveConfig parsed = EvolveConfigParser.parse(config);
        EvolveOptions options = new EvolveOptions(evaluators, resume, stopAfter,
                Runtime.getRuntime().availableProcessors());
        EvolutionOutcome outcome = Evolution.run(parsed, outDir, options, System.err);
        PrintWriter out = spec.commandLine().getOut();
        if (outcome.paused()) {
            out.println("paused; continue with: crucible evolve " + config + " " + outDir + " --resume");
            out.flush();
            return 0;
        }
        SearchReport report = outcome.report();
        ScoreRow evolved = report.evolved();
        ScoreRow hand = report.bestHandMerge();
        String split = report.onTest() ? "test" : "dev";
        double score = report.onTest() ? evolved.testMean() : evolved.devMean();
        out.println(String.format(Locale.ROOT, "evolved merge: mean %s accuracy %.1f%%", split, 100 * score));
        if (hand != null) {
            double handScore = report.onTest() ? hand.testMean() : hand.devMean();
            out.println(String.format(Locale.ROOT, "best hand merge (%s): %.1f%% (%+.1f points)", hand.name(),
                    100 * handScore, 100 * (score - handScore)));
        }
        if (java.nio.file.Files.isRegularFile(outDir.resolve("best-recipe.yml"))) {
            out.println("recipe: " + outDir.resolve("best-recipe.yml"));
        }
        out.println("model:  " + outDir.resolve("model"));
        out.println("report: " + outDir.resolve("report.md"));
        out.flush();
        return 0;
    }
}
