package dev.crucible.moe;

import dev.crucible.safetensors.OutputFolder;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Builds an MoE model folder from a config: checks the inputs, makes the routers (mergekit's gate modes
 * or calibration), warns about degenerate gates as mergekit does, and writes the folder through a staging
 * folder renamed into place at the end (as {@code crucible merge} does).
 */
public final class MoeBuild {

    /**
     * How to build.
     *
     * @param seed     seed of random gates and noise_scale
     * @param maxShard largest safetensors shard in bytes
     * @param force    replace a non-empty output folder
     * @param sync     sync the files to disk before the rename
     */
    public record Options(long seed, long maxShard, boolean force, boolean sync) {
    }

    /**
     * What was built.
     *
     * @param target   the output folder
     * @param tensors  tensors written
     * @param bytes    bytes of tensor data
     * @param accuracy per-layer separation accuracy of calibrated routers, null for mergekit's modes
     * @param degenerate layers whose gates mergekit would call degenerate
     * @param seconds  wall time
     */
    public record Result(Path target, int tensors, long bytes, double[] accuracy, List<Integer> degenerate,
                         double seconds) {
    }

    private MoeBuild() {
    }

    /** Builds {@code config} into {@code outDir}. */
    public static Result build(MoeConfig config, Path outDir, Options options, ProgressPrinter progress) {
        long start = System.nanoTime();
        MoeInputs inputs = MoeInputs.check(config, outDir);
        int n = config.experts().size();
        if ((n & (n - 1)) != 0) {
            progress.line("warning: the model has " + n + " experts, which is not a power of two;"
                    + " llama.cpp will not load it (transformers and crucible do)");
        }
        try (OutputFolder folder = OutputFolder.create(outDir, options.force())) {
            double[][][] routers;
            double[] accuracy = null;
            try (PromptTokens tokens = PromptTokens.of(config.baseModel())) {
                if (config.gateMode() == GateMode.CALIBRATED) {
                    CalibratedRouter.Fit fit = CalibratedRouter.calibrate(config, inputs.layers(), inputs.hidden(),
                            tokens, progress);
                    routers = fit.routers();
                    accuracy = fit.accuracy();
                } else {
                    routers = MergekitGates.compute(config, inputs.layers(), inputs.hidden(), options.seed(), tokens,
                            progress);
                }
            }
            // A calibrated router of two experts has rows w and -w (the L2 optimum's rows sum to zero), which
            // mergekit's condition-number test calls degenerate; its separation accuracy is the check there.
            List<Integer> degenerate = accuracy != null ? List.of() : DegenerateGates.layers(routers);
            DegenerateGates.warnings(degenerate, inputs.layers()).forEach(w -> progress.line("warning: " + w));
            MoeWriter.Written written = MoeWriter.write(config, inputs, routers, folder.staging(), options.maxShard(),
                    options.sync(), options.seed(), folder.target().getFileName().toString(), progress);
            Path target = folder.commit();
            return new Result(target, written.tensors(), written.bytes(), accuracy, degenerate,
                    (System.nanoTime() - start) / 1e9);
        }
    }

    /** One line summing up a result. */
    public static String summary(MoeConfig config, Result r) {
        return String.format(Locale.ROOT, "built a %d-expert MoE (top-%d, gates %s): %d tensors (%s) into %s in %.1f s",
                config.experts().size(), config.expertsPerToken(), config.gateMode().yamlName(), r.tensors(),
                dev.crucible.safetensors.ByteSize.format(r.bytes()), r.target(), r.seconds());
    }
}
