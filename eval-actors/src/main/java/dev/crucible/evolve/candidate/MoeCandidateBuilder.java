package dev.crucible.evolve.candidate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.error.CrucibleException;
import dev.crucible.eval.ModelRef;
import dev.crucible.evolve.genome.MoeCandidate;
import dev.crucible.evolve.genome.MoeGenome;
import dev.crucible.evolve.report.ProgressReporter;
import dev.crucible.moe.CalibratedRouter;
import dev.crucible.moe.CalibrationSettings;
import dev.crucible.moe.MixtralNames;
import dev.crucible.moe.MoeConfig;
import dev.crucible.moe.MoeExpert;
import dev.crucible.moe.MoeInputs;
import dev.crucible.moe.MoeWriter;
import dev.crucible.moe.ProgressPrinter;
import dev.crucible.moe.PromptTokens;
import dev.crucible.runtime.LanguageModels;
import dev.crucible.safetensors.ByteSize;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.OutputFolder;
import dev.crucible.safetensors.SafetensorsWriter;
import dev.crucible.stream.InMemorySink;
import dev.crucible.stream.InMemoryWeights;
import dev.crucible.tensor.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the Mixtral mixtures of the {@link MoeGenome} in memory. The slow, candidate-independent work is done
 * once: each expert's own model runs on its calibration prompts (the router inputs are kept), and the base's
 * non-MLP tensors and the experts' MLPs are read. A candidate then only refits the routers with its L2 strength,
 * scales them per layer, swaps weight-merged layers' experts for their average, and sets top-k — milliseconds
 * to seconds, against minutes of evaluation. Holds every expert's MLPs in memory as float32.
 */
public final class MoeCandidateBuilder implements CandidateFactory {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String[] PROJECTIONS = {"gate_proj", "up_proj", "down_proj"};

    private final MoeConfig config;
    private final MoeInputs inputs;
    private final MoeGenome genome;
    private final CalibratedRouter.Traces traces;
    private final Map<String, TensorInfo> baseInfos = new LinkedHashMap<>();
    private final Map<String, float[]> baseValues = new LinkedHashMap<>();
    /** [layer][expert][projection] float32 values; [layer][experts] holds their average. */
    private final float[][][][] mlp;
    private final Map<String, long[]> mlpShapes = new LinkedHashMap<>();

    private MoeCandidateBuilder(MoeConfig config, MoeInputs inputs, MoeGenome genome, CalibratedRouter.Traces traces) {
        this.config = config;
        this.inputs = inputs;
        this.genome = genome;
        this.traces = traces;
        int n = config.experts().size();
        this.mlp = new float[inputs.layers()][n + 1][PROJECTIONS.length][];
        try (Checkpoint base = Checkpoint.open(config.baseModel())) {
            for (TensorInfo t : base.infos()) {
                if (!t.name().contains(".mlp.")) {
                    baseInfos.put(t.name(), t.with(t.name(), inputs.outDtype()));
                    baseValues.put(t.name(), base.readFloats(t.name()));
                }
            }
            for (String p : PROJECTIONS) {
                mlpShapes.put(p, base.info(mlpName(0, p)).shape());
            }
        }
        for (int e = 0; e < n; e++) {
            try (Checkpoint expert = Checkpoint.open(config.experts().get(e).sourceModel())) {
                for (int l = 0; l < inputs.layers(); l++) {
                    for (int p = 0; p < PROJECTIONS.length; p++) {
                        mlp[l][e][p] = expert.readFloats(mlpName(l, PROJECTIONS[p]));
                    }
                }
            }
        }
        for (int l = 0; l < inputs.layers(); l++) {
            for (int p = 0; p < PROJECTIONS.length; p++) {
                float[] mean = new float[mlp[l][0][p].length];
                for (int i = 0; i < mean.length; i++) {
                    double sum = 0;
                    for (int e = 0; e < n; e++) {
                        sum += mlp[l][e][p][i];
                    }
                    mean[i] = (float) (sum / n);
                }
                mlp[l][n][p] = mean;
            }
        }
    }

    /**
     * Checks {@code config}'s models (and that {@code out} is none of them), runs the calibration prompts through
     * each expert once, and reads the weights.
     */
    public static MoeCandidateBuilder prepare(MoeConfig config, int layerGroups, Path out, ProgressReporter progress) {
        MoeInputs inputs = MoeInputs.check(config, out);
        progress.note("moe search: running each expert on its calibration prompts");
        CalibratedRouter.Traces traces;
        try (PromptTokens tokens = PromptTokens.of(config.baseModel())) {
            traces = CalibratedRouter.traces(config, tokens, ProgressPrinter.NONE);
        }
        MoeGenome genome = new MoeGenome(config.experts().size(), inputs.layers(), layerGroups);
        return new MoeCandidateBuilder(config, inputs, genome, traces);
    }

    /** The search space. */
    public MoeGenome genome() {
        return genome;
    }

    /** The mixtures of candidates: Mixtral config, tokenizer folder and weights. */
    record MoeModel(JsonNode config, Path tokenizerDir, InMemoryWeights weights) implements CandidateModel {

        @Override
        public ModelRef ref(String id) {
            return new ModelRef.InMemory(id, () -> LanguageModels.load(config, tokenizerDir, weights, id));
        }
    }

    @Override
    public MoeModel build(double[] x) {
        MoeCandidate c = genome.decode(x);
        int n = config.experts().size();
        MoeConfig shaped = withExpertsPerToken(c.expertsPerToken());
        CalibrationSettings calibration = config.calibration();
        double[][][] routers = CalibratedRouter.fit(traces.positive(), traces.negative(), inputs.layers(),
                inputs.hidden(), new CalibrationSettings(c.l2(), calibration.maxIterations(), 0), ProgressPrinter.NONE)
                .routers();
        List<TensorInfo> plan = new ArrayList<>(baseInfos.values());
        for (int l = 0; l < inputs.layers(); l++) {
            plan.add(new TensorInfo(MixtralNames.router(l), inputs.outDtype(), new long[] {n, inputs.hidden()}));
            for (int e = 0; e < n; e++) {
                for (String p : PROJECTIONS) {
                    plan.add(new TensorInfo(expertName(l, e, p), inputs.outDtype(), mlpShapes.get(p)));
                }
            }
        }
        InMemorySink sink = new InMemorySink(plan);
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        plan.forEach(t -> byName.put(t.name(), t));
        baseValues.forEach((name, v) -> sink.accept(byName.get(name), v));
        for (int l = 0; l < inputs.layers(); l++) {
            double scale = c.routerScale().get(l);
            float[] router = new float[n * inputs.hidden()];
            for (int e = 0; e < n; e++) {
                for (int j = 0; j < inputs.hidden(); j++) {
                    router[e * inputs.hidden() + j] = (float) (scale * routers[l][e][j]);
                }
            }
            sink.accept(byName.get(MixtralNames.router(l)), router);
            for (int e = 0; e < n; e++) {
                int slot = c.moeLayer().get(l) ? e : n;
                for (int p = 0; p < PROJECTIONS.length; p++) {
                    sink.accept(byName.get(expertName(l, e, PROJECTIONS[p])), mlp[l][slot][p]);
                }
            }
        }
        sink.finish();
        return new MoeModel(MoeWriter.mixtralConfig(shaped, inputs), config.tokenizerSource(), sink.weights());
    }

    /**
     * Writes the mixture of point {@code x} into the model folder {@code target} (staged, renamed into place),
     * with config.json, the tokenizer, the base's generation config and a model card naming the genome's values.
     */
    public void write(double[] x, Path target) {
        MoeModel model = build(x);
        List<TensorInfo> plan = new ArrayList<>();
        for (String name : model.weights().tensorNames()) {
            plan.add(model.weights().info(name));
        }
        try (OutputFolder folder = OutputFolder.create(target, true, config.inputs())) {
            try (SafetensorsWriter writer = SafetensorsWriter.create(folder.staging(), plan,
                    ByteSize.parseSize("5GB"), Map.of(), false)) {
                for (TensorInfo t : plan) {
                    writer.write(t.name(), model.weights().readFloats(t.name()));
                }
                writer.finish();
            }
            Path dir = folder.staging();
            JSON.writeValue(dir.resolve("config.json").toFile(), model.config());
            for (String name : ModelFolder.TOKENIZER_FILES) {
                copyIfPresent(config.tokenizerSource().resolve(name), dir);
            }
            copyIfPresent(config.baseModel().resolve("generation_config.json"), dir);
            Files.writeString(dir.resolve("README.md"), card(x, target.getFileName().toString()));
            folder.commit();
        } catch (IOException e) {
            throw new CrucibleException(target + ": cannot write the evolved MoE (" + e.getMessage() + ")", e);
        }
    }

    private String card(double[] x, String name) {
        StringBuilder sb = new StringBuilder("---\nlibrary_name: transformers\ntags:\n- crucible\n- moe\n- evolve\n---\n");
        sb.append("# ").append(name).append("\n\nA Mixtral mixture of ").append(config.experts().size())
                .append(" experts over `").append(config.baseModel()).append("`, found by `crucible evolve`'s MoE ")
                .append("search (calibrated routers; see docs/evolution.md).\n\n## Genome\n\n");
        genome.describe(x).forEach((k, v) -> sb.append("- `").append(k).append("`: ").append(v).append('\n'));
        sb.append("\n## Experts\n\n");
        for (MoeExpert e : config.experts()) {
            sb.append("- `").append(e.sourceModel()).append("` (").append(e.positivePrompts().size())
                    .append(" calibration prompts)\n");
        }
        return sb.toString();
    }

    /** The config with another top-k (mergekit's mixtralConfig reads it from there). */
    private MoeConfig withExpertsPerToken(int k) {
        return new MoeConfig(config.baseModel(), config.experts(), config.gateMode(), config.dtype(), k,
                config.architecture(), config.tokenizerSource(), config.calibration(), config.source());
    }

    private static String mlpName(int layer, String proj) {
        return "model.layers." + layer + ".mlp." + proj + ".weight";
    }

    private static String expertName(int layer, int expert, String proj) {
        return MixtralNames.expert(layer, expert, MixtralNames.expertWeightOf(proj));
    }

    private static void copyIfPresent(Path file, Path dir) throws IOException {
        Path target = dir.resolve(file.getFileName().toString());
        if (Files.isRegularFile(file) && !Files.exists(target)) {
            Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }
}
