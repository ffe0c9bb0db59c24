package dev.crucible.moe;

import dev.crucible.safetensors.ByteSize;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code crucible moe CONFIG.yml OUT_DIR}: a Mixtral mixture of experts from a mergekit-moe config. */
@Command(name = "moe", mixinStandardHelpOptions = true,
        description = "Build a Mixtral-style mixture of experts from dense fine-tunes of one base"
                + " (mergekit-moe's config; gate_mode calibrated is crucible's extension).")
public final class MoeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "CONFIG.yml", description = "The mergekit-moe configuration.")
    Path configFile;

    @Parameters(index = "1", paramLabel = "OUT_DIR", description = "Folder to create for the MoE model.")
    Path outDir;

    @Option(names = "--seed", defaultValue = "0",
            description = "Seed of random and uniform_random gates and of noise_scale. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out-shard-size", defaultValue = "5GB", paramLabel = "SIZE",
            description = "Largest safetensors shard, e.g. 500MB, 5GB. Default: ${DEFAULT-VALUE}.")
    String shardSize;

    @Option(names = "--force", description = "Replace OUT_DIR if it exists and is not empty.")
    boolean force;

    @Option(names = "--no-sync", description = "Do not wait for the output to reach the disk before renaming it.")
    boolean noSync;

    @Option(names = "--i-understand-this-is-not-useful-without-training",
            description = "Allow every expert to be the same model (as mergekit-moe's flag of that name).")
    boolean allowAllSame;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        long maxShard = ByteSize.parseSize(shardSize);
        MoeConfig config = MoeConfigParser.parse(configFile, allowAllSame);
        MoeBuild.Result result = MoeBuild.build(config, outDir, new MoeBuild.Options(seed, maxShard, force, !noSync),
                ProgressPrinter.to(System.err));
        PrintWriter out = spec.commandLine().getOut();
        out.println(MoeBuild.summary(config, result));
        out.flush();
        return 0;
    }
}
