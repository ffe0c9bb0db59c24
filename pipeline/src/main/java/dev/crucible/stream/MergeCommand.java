package dev.crucible.stream;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.MergeMethods;
import dev.crucible.plan.ArchitectureMatch;
import dev.crucible.plan.MergePlan;
import dev.crucible.plan.MergePlanner;
import dev.crucible.plan.OpenedModels;
import dev.crucible.plan.SliceVocabularies;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.safetensors.ByteSize;
import dev.crucible.safetensors.OutputFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/** {@code crucible merge RECIPE.yml OUT_DIR}: merges models as a mergekit-style recipe says. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge models as a mergekit-style YAML recipe says, into a Hugging Face model folder.")
public final class MergeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RECIPE.yml", description = "The merge recipe (mergekit format).")
    Path recipeFile;

    @Parameters(index = "1", paramLabel = "OUT_DIR", description = "Folder to create for the merged model.")
    Path outDir;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of randomised methods (dare_*, della*); "
            + "the same seed gives identical output for any thread count. Default: 0.")
    Long seed;

    @Option(names = "--out-shard-size", defaultValue = "5B", paramLabel = "SIZE",
            description = "Largest safetensors shard in bytes, as mergekit reads it: 5B (5 billion), 500M, 1000K, or 5GB, 1.5GiB, 4096. Default: ${DEFAULT-VALUE}.")
    String shardSize;

    @Option(names = "--threads", paramLabel = "N", description = "Tensors merged at once. Default: one per core.")
    Integer threads;

    @Option(names = "--force", description = "Replace OUT_DIR if it exists and is not empty.")
    boolean force;

    @Option(names = "--allow-nonfinite", description = "Merge even when an input tensor holds NaN or infinity, or a"
            + " merged value is NaN or too large for the output dtype (refused by default, naming the tensor).")
    boolean allowNonFinite;

    @Mixin
    MergekitFlags mergekit = new MergekitFlags();

    @Option(names = "--no-sync", description = "Do not wait for the output to reach the disk before renaming it into"
            + " place (faster on slow disks, as mergekit does; an OS crash or power cut soon after may leave damaged"
            + " files).")
    boolean noSync;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        long maxShard;
        try {
            maxShard = ByteSize.parseSize(shardSize);
        } catch (CrucibleException e) {
            throw new CrucibleException("--out-shard-size: " + e.getMessage(), e);
        }
        int threadCount = mergekit.threads(threads);
        long runSeed = mergekit.seed(seed);
        PrintWriter err = spec.commandLine().getErr();
        mergekit.notes().forEach(note -> err.println("note: " + note));
        err.flush();
        // The actor system takes a second or two to start on a small machine: it does so while the
        // recipe is read and every input checked.
        CompletableFuture<MergeRunner> starting = new CompletableFuture<>();
        try (OpenedModels models = new OpenedModels()) {
            Thread.ofPlatform().daemon().name("crucible-merge-start").start(() -> {
                try {
                    starting.complete(new MergeRunner(models));
                } catch (Throwable t) {
                    starting.completeExceptionally(t);
                }
            });
            try {
                Recipe recipe = RecipeParser.parse(recipeFile);
                MergePlan plan = MergePlanner.plan(recipe, models);
                ArchitectureMatch.check(plan, models, mergekit.allowCrimes);
                SliceVocabularies.check(plan, models);
                MergeMethods.prepareKernels(plan.tensors().stream().map(t -> t.method()).distinct().toList());
                merge(plan, models, threadCount, runSeed, maxShard, starting);
            } finally {
                // A recipe that fails its checks does not wait for the actor system it never needed: that
                // one closes itself once started (its threads are daemons and do not hold the JVM).
                CompletableFuture<Void> closed = starting.thenAccept(MergeRunner::close);
                if (starting.isDone()) {
                    closed.exceptionally(e -> null).join();
                }
            }
        }
        return 0;
    }

    private void merge(MergePlan plan, OpenedModels models, int threadCount, long runSeed, long maxShard,
                       CompletableFuture<MergeRunner> starting) {
        List<Path> inputs = new ArrayList<>(plan.inputFolders());
        inputs.add(recipeFile);
        try (OutputFolder folder = OutputFolder.create(outDir, force, inputs)) {
            MergeStats stats;
            try (SafetensorsSink sink = new SafetensorsSink(folder.staging(), plan.outputs(), maxShard, !noSync)) {
                MergeOptions options = new MergeOptions(runSeed, threadCount, progress())
                        .withAllowNonFinite(allowNonFinite);
                stats = starting.join().merge(plan, sink, options);
            }
            MergedModelFiles.write(plan, folder.staging());
            if (!mergekit.copyTokenizer) {
                MergekitOutputFiles.removeCopiedTokenizer(plan, folder.staging(), spec.commandLine().getErr());
            }
            if (mergekit.writeModelCard) {
                ModelCard.write(plan, folder.target().getFileName().toString(), folder.staging());
                MergekitOutputFiles.writeRecipeCopy(recipeFile, folder.staging());
            }
            Path target = folder.commit();
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "merged %d tensors (%s, %s) into %s in %.1f s%n", stats.tensors(),
                    ByteSize.format(stats.bytesWritten()), plan.outDtype().safetensorsName(), target,
                    stats.wallTime().toNanos() / 1e9);
            out.flush();
        }
    }

    /** The terminal's progress line unless --quiet; with -v, a line per tensor instead. */
    private ProgressListener progress() {
        if (mergekit.verbosity() > 0) {
            PrintWriter err = spec.commandLine().getErr();
            return p -> {
                err.printf(Locale.ROOT, "[%d/%d] %s%n", p.done(), p.total(), p.lastTensor());
                err.flush();
            };
        }
        boolean terminal = System.console() != null && System.console().isTerminal();
        return terminal && !mergekit.quiet ? new ProgressLine(System.err) : ProgressListener.NONE;
    }
}
