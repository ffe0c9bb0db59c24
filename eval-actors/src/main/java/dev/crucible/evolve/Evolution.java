package dev.crucible.evolve;

import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.error.CrucibleException;
import dev.crucible.eval.EvaluationResult;
import dev.crucible.eval.EvaluationSession;
import dev.crucible.eval.ModelLoader;
import dev.crucible.eval.ModelRef;
import dev.crucible.evolve.candidate.BuiltModel;
import dev.crucible.evolve.candidate.CandidateBuilder;
import dev.crucible.evolve.candidate.CandidateFactory;
import dev.crucible.evolve.candidate.HandMerges;
import dev.crucible.evolve.candidate.MoeCandidateBuilder;
import dev.crucible.evolve.candidate.MoeGateModels;
import dev.crucible.evolve.cmaes.CmaEs;
import dev.crucible.evolve.cmaes.CmaEsConfig;
import dev.crucible.evolve.cmaes.CmaEsStateFile;
import dev.crucible.evolve.config.EvolveConfig;
import dev.crucible.evolve.config.GenomeSettings;
import dev.crucible.evolve.config.SearchSettings;
import dev.crucible.evolve.config.SearchSpace;
import dev.crucible.evolve.genome.DataFlowGenome;
import dev.crucible.evolve.genome.GeneSpace;
import dev.crucible.evolve.genome.Genome;
import dev.crucible.evolve.genome.ParameterGenome;
import dev.crucible.evolve.journal.Journal;
import dev.crucible.evolve.journal.JournalEntry;
import dev.crucible.evolve.report.FitnessChart;
import dev.crucible.evolve.report.GenerationStats;
import dev.crucible.evolve.report.ProgressReporter;
import dev.crucible.evolve.report.ScoreRow;
import dev.crucible.evolve.report.SearchReport;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.RecipeWriter;
import dev.crucible.safetensors.InputOverlap;
import dev.crucible.task.Task;
import dev.crucible.task.TaskScore;
import dev.crucible.task.TaskSelection;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.actor.typed.Props;

/**
 * Runs {@code crucible evolve}: prepares the output folder (or checks it for {@code --resume}), runs the
 * search stages through {@link EvolutionRun} coordinators over one evaluator pool, then writes
 * {@code best-recipe.yml}, {@code model/}, {@code fitness.png}, {@code scores.json} and {@code report.md}.
 */
public final class Evolution {

    /** The copy of the config a search started with; {@code --resume} insists on the same text. */
    public static final String CONFIG_COPY = "config.yml";
    /** Optimiser state of the first (or only) stage. */
    public static final String STATE = "state.json";
    /** Optimiser state of the data-flow stage of a {@code both} search. */
    public static final String DATAFLOW_STATE = "state-dataflow.json";
    /** The journal of every evaluated candidate. */
    public static final String JOURNAL = "journal.jsonl";
    /** The best parameter-space merge of a {@code both} search: the first model of its data-flow stage. */
    public static final String PS_MODEL = "ps-model";

    private static final Duration EVALUATION_TIMEOUT = Duration.ofHours(6);
    private static final int SEPARABLE_ABOVE = 40;

    private final EvolveConfig config;
    private final Path out;
    private final EvolveOptions options;
    private final ProgressReporter progress;
    private final List<String> labels;
    private final List<String> modelStrings;
    private final String baseString;
    private final String taskVectorBaseString;

    private Evolution(EvolveConfig config, Path out, EvolveOptions options, PrintStream err) {
        this.config = config;
        this.out = out.toAbsolutePath().normalize();
        this.options = options;
        this.progress = new ProgressReporter(err);
        this.modelStrings = config.models().stream().map(this::recipeString).toList();
        this.baseString = config.baseModel() == null ? null : recipeString(config.baseModel());
        this.taskVectorBaseString = config.taskVectorBase() == null ? null
                : recipeString(config.taskVectorBase());
        this.labels = labels(config.models());
    }

    /** Runs (or resumes) the search of {@code config} into {@code out}; progress lines go to {@code err}. */
    public static EvolutionOutcome run(EvolveConfig config, Path out, EvolveOptions options, PrintStream err) {
        return new Evolution(config, out, options, err).run();
    }

    private EvolutionOutcome run() {
        prepareOutput();
        List<Task> dev = config.tasks().stream().map(TaskSelection::load).toList();
        List<Task> test = config.testTasks().stream().map(TaskSelection::load).toList();
        Journal journal = new Journal(out.resolve(JOURNAL));
        List<JournalEntry> earlier = journal.read();
        journal.rewrite(earlier);
        long start = System.nanoTime();
        ExecutorService mergeThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "crucible-evolve-merge");
            t.setDaemon(true);
            return t;
        });
        try (CandidateBuilder builder = new CandidateBuilder(config.search().seed(), options.mergeThreads());
             EvaluationSession session = EvaluationSession.start(options.evaluators(), ModelLoader.standard(),
                     EvaluationSession.defaultSettings(), EvaluationSession.quietConfig())) {
            SearchSpace space = config.genome().space();
            int total = config.search().maxEvaluations();
            MoeCandidateBuilder moe = space == SearchSpace.MOE
                    ? MoeCandidateBuilder.prepare(config.moe(), config.genome().layerGroups(), out, progress) : null;
            Genome first = space == SearchSpace.DATAFLOW ? dataFlowGenome(modelStrings, labels)
                    : moe == null ? parameterGenome() : null;
            String firstStage = space == SearchSpace.BOTH ? SearchSpace.PARAMETER.configName() : space.configName();
            int firstBudget = space == SearchSpace.BOTH ? total / 2 : total;
            StageResult result = stage(firstStage, moe != null ? moe.genome() : first, moe != null ? moe
                    : x -> builder.build(first.decode(x)), firstBudget, out.resolve(STATE), journal, earlier, dev,
                    mergeThread, session);
            if (result.paused()) {
                return paused();
            }
            Genome last = first;
            int evaluations = result.evaluations();
            int generations = result.generations();
            if (space == SearchSpace.BOTH) {
                Recipe ps = first.decode(requireBest(result).best().x());
                progress.note("parameter stage done (best dev " + fmt(-result.best().fitness())
                        + "); writing " + PS_MODEL + "/ for the data-flow stage");
                RecipeWriter.write(ps, out.resolve("ps-recipe.yml"));
                builder.write(ps, out.resolve(PS_MODEL));
                List<String> dfModels = new ArrayList<>(List.of(PS_MODEL));
                dfModels.addAll(modelStrings);
                List<String> dfLabels = new ArrayList<>(List.of("ps-merge"));
                dfLabels.addAll(labels);
                Genome dataFlow = dataFlowGenome(dfModels, dfLabels);
                last = dataFlow;
                result = stage(SearchSpace.DATAFLOW.configName(), dataFlow, x -> builder.build(dataFlow.decode(x)),
                        total - firstBudget, out.resolve(DATAFLOW_STATE), journal, earlier, dev, mergeThread, session);
                if (result.paused()) {
                    return paused();
                }
                evaluations += result.evaluations();
                generations += result.generations();
            }
            double[] bestX = requireBest(result).best().x();
            progress.note("search done (best dev " + fmt(-result.best().fitness()) + "); writing model/ and the report");
            if (moe != null) {
                moe.write(bestX, out.resolve("model"));
            } else {
                Recipe best = last.decode(bestX);
                RecipeWriter.write(best, out.resolve("best-recipe.yml"));
                builder.write(best, out.resolve("model"));
            }
            List<ScoreRow> rows = compare(session, builder, dev, test);
            FitnessChart.write(GenerationStats.of(journal.read()), out.resolve("fitness.png"));
            SearchReport report = new SearchReport(title(), rows, (moe != null ? moe.genome() : last).describe(bestX),
                    evaluations, generations,
                    Duration.ofNanos(System.nanoTime() - start));
            report.write(out.resolve("report.md"));
            ScoreRow.writeJson(rows, out.resolve("scores.json"));
            return new EvolutionOutcome(false, report);
        } finally {
            mergeThread.shutdownNow();
        }
    }

    private EvolutionOutcome paused() {
        progress.note("paused; continue with --resume");
        return new EvolutionOutcome(true, null);
    }

    private StageResult requireBest(StageResult result) {
        if (result.best() == null) {
            throw new CrucibleException("no candidate could be merged and scored; see " + out.resolve(JOURNAL)
                    + " for the errors");
        }
        return result;
    }

    private StageResult stage(String name, GeneSpace genome, CandidateFactory candidates, int budget, Path stateFile,
                              Journal journal, List<JournalEntry> earlier, List<Task> dev, ExecutorService mergeThread,
                              EvaluationSession session) {
        CmaEsConfig cma = cmaConfig(genome);
        CmaEs es;
        if (Files.isRegularFile(stateFile)) {
            es = CmaEsStateFile.load(stateFile);
            if (!es.config().equals(cma)) {
                throw new CrucibleException(stateFile + ": the saved search has another genome or search settings "
                        + "than the config; resume with the config it started with");
            }
        } else {
            es = CmaEs.create(cma);
        }
        Map<Integer, JournalEntry> previous = new HashMap<>();
        for (JournalEntry e : earlier) {
            if (e.stage().equals(name)) {
                previous.put(e.candidate(), e);
            }
        }
        StageContext ctx = new StageContext(name, genome, es, budget, stateFile, journal, previous, dev, candidates,
                mergeThread, session.system(), options.evaluators() + 1, options.stopAfter(), progress);
        progress.note(name + " search: " + genome.dimension() + " genes, population " + es.populationSize()
                + ", budget " + budget + " evaluations" + (es.evaluations() > 0 ? ", resuming after "
                + es.evaluations() : ""));
        CompletableFuture<StageResult> done = new CompletableFuture<>();
        session.system().systemActorOf(EvolutionRun.create(ctx, done), "evolution-" + name, Props.empty());
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrucibleException("search interrupted; continue it with --resume", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("search failed", e.getCause());
        }
    }

    private CmaEsConfig cmaConfig(GeneSpace genome) {
        SearchSettings s = config.search();
        boolean separable = s.separable() != null ? s.separable() : genome.dimension() > SEPARABLE_ABOVE;
        return CmaEsConfig.of(genome.initial(), s.sigma(), s.seed())
                .withBounds(genome.lower(), genome.upper())
                .withPopulationSize(s.population())
                .withSeparable(separable)
                .withMaxRestarts(s.restarts());
    }

    private Genome parameterGenome() {
        GenomeSettings g = config.genome();
        return new ParameterGenome(config.mergeMethod(), baseString, taskVectorBaseString, modelStrings, labels,
                g.layerGroups(), g.filters(), g.weightMin(), g.weightMax(), g.normalize(), out);
    }

    private Genome dataFlowGenome(List<String> models, List<String> names) {
        int layers = -1;
        for (String m : models) {
            Path dir = out.resolve(m).normalize();
            int n;
            if (m.equals(PS_MODEL) && !Files.isDirectory(dir)) {
                n = layersOf(config.models().getFirst());
            } else {
                n = layersOf(dir);
            }
            if (layers >= 0 && n != layers) {
                throw new CrucibleException("models: the data-flow space needs models with equal layer counts; "
                        + models.getFirst() + " has " + layers + ", " + m + " has " + n);
            }
            layers = n;
        }
        return new DataFlowGenome(models, names, layers, config.genome().repeats(), config.genome().scaleMax(), out);
    }

    private static int layersOf(Path dir) {
        try (ModelFolder folder = ModelFolder.open(dir)) {
            return folder.numHiddenLayers();
        }
    }

    // ---- comparison and outputs ----

    private List<ScoreRow> compare(EvaluationSession session, CandidateBuilder builder, List<Task> dev,
                                   List<Task> test) {
        List<ScoreRow> rows = new ArrayList<>();
        List<Path> sources = new ArrayList<>();
        if (config.baseModel() != null) {
            sources.add(config.baseModel());
        }
        if (config.taskVectorBase() != null) {
            sources.add(config.taskVectorBase());
        }
        sources.addAll(config.models());
        for (Path source : sources) {
            String name = source.getFileName().toString();
            progress.note("scoring source " + name);
            rows.add(score(session, new ModelRef.Folder(source), name, ScoreRow.SOURCE, dev, test));
        }
        HandMerges.of(baseString, taskVectorBaseString, modelStrings, out).forEach((name, recipe) -> {
            progress.note("scoring hand merge " + name);
            try {
                BuiltModel model = builder.build(recipe);
                rows.add(score(session, model.ref("hand-" + name), name, ScoreRow.HAND, dev, test));
            } catch (CrucibleException e) {
                progress.note("hand merge " + name + " cannot be built: " + e.getMessage());
            }
        });
        if (config.moe() != null) {
            MoeGateModels.build(config.moe(), out, config.search().seed(), progress).forEach((name, dir) ->
                    rows.add(score(session, new ModelRef.Folder(dir), name, ScoreRow.MOE, dev, test)));
        }
        if (config.genome().space() == SearchSpace.BOTH) {
            progress.note("scoring the parameter-stage merge");
            rows.add(score(session, new ModelRef.Folder(out.resolve(PS_MODEL)), "evolved (parameter stage)",
                    ScoreRow.EVOLVED, dev, test));
        }
        progress.note("scoring the evolved merge");
        rows.add(score(session, new ModelRef.Folder(out.resolve("model")), "evolved", ScoreRow.EVOLVED, dev, test));
        return rows;
    }

    private static ScoreRow score(EvaluationSession session, ModelRef ref, String name, String kind, List<Task> dev,
                                  List<Task> test) {
        return new ScoreRow(name, kind, scores(session, ref, dev), test.isEmpty() ? Map.of() : scores(session, ref, test));
    }

    private static Map<String, Double> scores(EvaluationSession session, ModelRef ref, List<Task> tasks) {
        EvaluationResult result = session.evaluate(ref, tasks, EVALUATION_TIMEOUT);
        Map<String, Double> out = new LinkedHashMap<>();
        for (TaskScore s : result.scores().values()) {
            out.put(s.task(), s.ok() ? s.score() : Double.NaN);
        }
        return out;
    }

    // ---- output folder ----

    private void prepareOutput() {
        List<Path> inputs = new ArrayList<>(config.models());
        if (config.baseModel() != null) {
            inputs.add(config.baseModel());
        }
        if (config.taskVectorBase() != null) {
            inputs.add(config.taskVectorBase());
        }
        InputOverlap.refuse(out, inputs, "OUT_DIR");
        Path copy = out.resolve(CONFIG_COPY);
        String text;
        try {
            text = Files.readString(config.file());
        } catch (IOException e) {
            throw new CrucibleException(config.file() + ": cannot read config (" + e.getMessage() + ")", e);
        }
        try {
            if (options.resume()) {
                if (!Files.isRegularFile(copy)) {
                    throw new CrucibleException(out + ": no search to resume here (no " + CONFIG_COPY
                            + "); start one without --resume");
                }
                if (!Files.readString(copy).equals(text)) {
                    throw new CrucibleException(config.file() + ": differs from the config this search started with ("
                            + copy + "); resume with that config or start a new OUT_DIR");
                }
                return;
            }
            if (Files.exists(copy) || Files.exists(out.resolve(JOURNAL)) || Files.exists(out.resolve(STATE))) {
                throw new CrucibleException(out + ": holds an earlier search; continue it with --resume or choose "
                        + "another OUT_DIR");
            }
            Files.createDirectories(out);
            Files.writeString(copy, text);
        } catch (IOException e) {
            throw new CrucibleException(out + ": cannot prepare the output folder (" + e.getMessage() + ")", e);
        }
    }

    /**
     * How recipes in OUT_DIR name a model: relative to OUT_DIR when both share a top-level folder (the
     * results can move together with their sources), absolute otherwise.
     */
    private String recipeString(Path model) {
        Path abs = model.toAbsolutePath().normalize();
        boolean related = abs.getNameCount() > 0 && out.getNameCount() > 0 && abs.getName(0).equals(out.getName(0));
        return related ? out.relativize(abs).toString() : abs.toString();
    }

    private static List<String> labels(List<Path> models) {
        List<String> names = new ArrayList<>();
        for (Path m : models) {
            String name = m.getFileName().toString();
            names.add(names.contains(name) ? name + "-" + (names.size() + 1) : name);
        }
        return names;
    }

    private String title() {
        String file = config.file().getFileName().toString();
        return switch (config.genome().space()) {
            case PARAMETER -> file + " (" + config.mergeMethod() + ", parameter space)";
            case DATAFLOW -> file + " (data-flow space)";
            case BOTH -> file + " (" + config.mergeMethod() + " parameter space, then data-flow space)";
            case MOE -> file + " (MoE space: calibrated Mixtral routers)";
        };
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
