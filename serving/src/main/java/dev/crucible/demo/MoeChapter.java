package dev.crucible.demo;

import static dev.crucible.demo.Narration.INDENT;
import static dev.crucible.demo.Narration.pct;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.error.CrucibleException;
import dev.crucible.eval.EvaluationSession;
import dev.crucible.eval.ModelLoader;
import dev.crucible.evolve.candidate.CandidateBuilder;
import dev.crucible.evolve.candidate.MoeGateModels;
import dev.crucible.evolve.report.ProgressReporter;
import dev.crucible.moe.MoeConfig;
import dev.crucible.moe.MoeConfigParser;
import dev.crucible.runtime.LanguageModels;
import dev.crucible.serve.CrucibleServer;
import dev.crucible.serve.ServeConfig;
import dev.crucible.task.Task;
import dev.crucible.task.TaskLoader;
import dev.crucible.task.TaskSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's zoo2 chapter: two experts whose skills were fine-tuned into the same MLP weights. Weight merges of
 * them lose both skills; a Mixtral mixture of their MLPs keeps both when its routers send each token to the right
 * expert — mergekit's prompt-derived gates do not, routers calibrated on the experts' own hidden states do. The
 * calibrated mixture is then served and asked one question of each task.
 */
final class MoeChapter {

    /** Router prompts per expert: dev items with their answers (the proof's setting: 20, top-1). */
    static final int CALIBRATION_PROMPTS = 20;

    private final DemoSettings settings;
    private final MoeZoo zoo;
    private final Path work;
    private final Narration narration;

    MoeChapter(DemoSettings settings, Narration narration) {
        this.settings = settings;
        this.zoo = settings.zoo2();
        this.work = settings.work().resolve("zoo2");
        this.narration = narration;
    }

    /** Step {@code number}: merges, mixtures and their scores; returns the calibrated mixture's folder. */
    Path compare(int number) {
        long t = narration.step(number, "zoo2: the same two skills fine-tuned into the same MLP weights — weight merges "
                + "vs mixtures of experts (" + settings.testLimit() + " test items per task)");
        List<Task> test = List.of(TaskLoader.load(TaskSpec.of("add", zoo.addTest())).limit(settings.testLimit()),
                TaskLoader.load(TaskSpec.of("rev", zoo.revTest())).limit(settings.testLimit()));
        Map<String, Path> mixtures;
        Map<String, Path> merges = new LinkedHashMap<>();
        try (CandidateBuilder builder = new CandidateBuilder(0, settings.mergeThreads())) {
            HandRecipes.of(zoo.base(), zoo.expertAdd(), zoo.expertRev(), work).forEach((name, recipe) -> {
                Path target = work.resolve("merges").resolve(name);
                builder.write(recipe, target);
                merges.put(name, target);
            });
        }
        HandRecipes.write(zoo.base(), zoo.expertAdd(), zoo.expertRev(), work.resolve("recipes"));
        MoeConfig config = MoeConfigParser.parse(writeMoeConfig(), false);
        mixtures = MoeGateModels.build(config, work, 0,
                new ProgressReporter(new PrintStream(OutputStream.nullOutputStream())));
        List<ModelScores> rows = new ArrayList<>();
        List<ModelScores> hand = new ArrayList<>();
        List<ModelScores> mergekit = new ArrayList<>();
        ModelScores calibrated = null;
        try (EvaluationSession session = EvaluationSession.start(1, ModelLoader.standard(),
                EvaluationSession.defaultSettings(), EvaluationSession.quietConfig())) {
            rows.add(ModelScores.evaluate("expert-add", "expert", session, zoo.expertAdd(), test));
            rows.add(ModelScores.evaluate("expert-rev", "expert", session, zoo.expertRev(), test));
            for (Map.Entry<String, Path> m : merges.entrySet()) {
                hand.add(ModelScores.evaluate(m.getKey(), "hand merge", session, m.getValue(), test));
            }
            rows.addAll(hand);
            for (Map.Entry<String, Path> m : mixtures.entrySet()) {
                boolean ours = m.getKey().contains("calibrated");
                ModelScores row = ModelScores.evaluate(m.getKey(), ours ? "moe, calibrated" : "moe, mergekit gates",
                        session, m.getValue(), test);
                if (ours) {
                    calibrated = row;
                } else {
                    mergekit.add(row);
                }
                rows.add(row);
            }
        }
        narration.table(rows);
        ModelScores bestHand = ModelScores.best(hand);
        ModelScores bestGate = ModelScores.best(mergekit);
        narration.line(INDENT + String.format(Locale.ROOT, "weight merges lose both skills: the best, %s, keeps %s on its weaker "
                + "task (experts: add %s, rev %s)", bestHand.name(), pct(bestHand.weakest()),
                pct(rows.get(0).scores().get("add")), pct(rows.get(1).scores().get("rev"))));
        narration.line(INDENT + String.format(Locale.ROOT, "mergekit's gates route poorly: the best, %s, reaches %s mean",
                bestGate.name(), pct(bestGate.mean())));
        narration.line(INDENT + String.format(Locale.ROOT, "calibrated routers keep both: add %s, rev %s, mean %s",
                pct(calibrated.scores().get("add")), pct(calibrated.scores().get("rev")), pct(calibrated.mean())));
        narration.line(INDENT + "the MoE config: " + work.resolve("moe.yml") + "  (crucible moe " + work.resolve("moe.yml")
                + " OUT); the mixtures: " + work + "/moe-*/");
        narration.line(INDENT + "search its routing too: crucible evolve bench/evolve-zoo2-moe.yml OUT_DIR  (genome.space: moe, "
                + "a few minutes; see docs/evolution.md)");
        narration.done(t);
        return mixtures.entrySet().stream().filter(e -> e.getKey().contains("calibrated")).findFirst().orElseThrow()
                .getValue();
    }

    /** Step {@code number}: serves {@code mixture} and asks it one question of each task; the caller closes it. */
    CrucibleServer serve(int number, Path mixture) {
        long t = narration.step(number, "Serve the calibrated mixture (crucible serve) and ask it both tasks");
        int port = settings.port() == 0 ? 0 : settings.port() + 1;
        CrucibleServer server = CrucibleServer.start(ServeConfig.defaults().withPort(port), LanguageModels::load,
                mixture);
        try {
            narration.line(INDENT + "serving " + mixture + " on " + server.baseUri() + "  (the same without the demo: crucible "
                    + "serve " + mixture + " --port " + (port == 0 ? 8081 : port) + ")");
            LocalClient client = new LocalClient(server.baseUri());
            for (Path test : List.of(zoo.addTest(), zoo.revTest())) {
                JsonNode item = firstItem(test);
                String question = item.path("prompt").asText();
                narration.line(INDENT + "asked it the first test item of " + test.getFileName() + ": \"" + question + "\" -> \""
                        + client.complete(question, 12) + "\"  (expected \"" + item.path("answer").asText() + "\")");
            }
            narration.done(t);
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** {@code moe.yml}: the two experts over the base, top-1, calibrated on each task's first dev items with answers. */
    private Path writeMoeConfig() {
        StringBuilder yaml = new StringBuilder("# the demo's mixture of zoo2's experts (crucible moe moe.yml OUT)\n")
                .append("base_model: ").append(YamlText.quote(zoo.base())).append('\n')
                .append("gate_mode: calibrated\nexperts_per_token: 1\nexperts:\n");
        appendExpert(yaml, zoo.expertAdd(), zoo.addDev());
        appendExpert(yaml, zoo.expertRev(), zoo.revDev());
        Path file = work.resolve("moe.yml");
        try {
            Files.createDirectories(work);
            return Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot write the MoE config (" + e.getMessage() + ")", e);
        }
    }

    private static void appendExpert(StringBuilder yaml, Path expert, Path dev) {
        yaml.append("  - source_model: ").append(YamlText.quote(expert)).append("\n    positive_prompts:\n");
        ObjectMapper json = new ObjectMapper();
        try {
            List<String> lines = Files.readAllLines(dev).stream().filter(l -> !l.isBlank()).limit(CALIBRATION_PROMPTS)
                    .toList();
            for (String line : lines) {
                JsonNode item = json.readTree(line);
                yaml.append("      - ").append(YamlText.quote(item.path("prompt").asText()
                        + item.path("answer").asText())).append('\n');
            }
        } catch (IOException e) {
            throw new CrucibleException(dev + ": cannot read the calibration prompts (" + e.getMessage() + ")", e);
        }
    }

    private static JsonNode firstItem(Path tasks) {
        try (java.util.stream.Stream<String> lines = Files.lines(tasks)) {
            String first = lines.filter(l -> !l.isBlank()).findFirst().orElseThrow(
                    () -> new CrucibleException(tasks + ": has no items"));
            return new ObjectMapper().readTree(first);
        } catch (IOException e) {
            throw new CrucibleException(tasks + ": cannot read (" + e.getMessage() + ")", e);
        }
    }







}
