package dev.crucible.evolve.candidate;

import dev.crucible.evolve.report.ProgressReporter;
import dev.crucible.moe.GateMode;
import dev.crucible.moe.MoeBuild;
import dev.crucible.moe.MoeConfig;
import dev.crucible.moe.ProgressPrinter;
import dev.crucible.safetensors.ByteSize;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fixed mixtures an MoE search is compared with: the search's MoE config built with mergekit's gate modes
 * ({@code hidden}, {@code cheap_embed}, {@code random}) and with {@code calibrated} at its own settings, each
 * with the config's {@code experts_per_token}. They are written to {@code OUT_DIR/moe-MODE/} so they can be
 * served or inspected; a resumed search rebuilds them.
 */
public final class MoeGateModels {

    /** The gate modes compared, in report order. */
    public static final List<GateMode> MODES = List.of(GateMode.HIDDEN, GateMode.CHEAP_EMBED, GateMode.RANDOM,
            GateMode.CALIBRATED);

    private MoeGateModels() {
    }

    /** Report name to model folder; random gates draw from {@code seed}. */
    public static Map<String, Path> build(MoeConfig config, Path out, long seed, ProgressReporter progress) {
        Map<String, Path> built = new LinkedHashMap<>();
        for (GateMode mode : MODES) {
            MoeConfig variant = new MoeConfig(config.baseModel(), config.experts(), mode, config.dtype(),
                    config.expertsPerToken(), config.architecture(), config.tokenizerSource(), config.calibration(),
                    config.source());
            String name = "moe " + mode.yamlName() + " top-" + config.expertsPerToken();
            progress.note("building " + name);
            Path dir = out.resolve("moe-" + mode.yamlName());
            MoeBuild.build(variant, dir, new MoeBuild.Options(seed, ByteSize.parseSize("5GB"), true, false),
                    ProgressPrinter.NONE);
            built.put(name, dir);
        }
        return built;
    }
}
