package dev.crucible.evolve.candidate;

import dev.crucible.plan.MergePlan;
import dev.crucible.plan.MergePlanner;
import dev.crucible.plan.OpenedModels;
import dev.crucible.recipe.Recipe;
import dev.crucible.safetensors.ByteSize;
import dev.crucible.safetensors.OutputFolder;
import dev.crucible.stream.InMemorySink;
import dev.crucible.stream.MergeOptions;
import dev.crucible.stream.MergeRunner;
import dev.crucible.stream.MergedModelFiles;
import dev.crucible.stream.ModelCard;
import dev.crucible.stream.ProgressListener;
import dev.crucible.stream.SafetensorsSink;
import java.nio.file.Path;

/**
 * Merges candidate recipes through the normal merge path. Source models are opened (mapped) once and
 * shared by every candidate; one runner serves all merges. Not for concurrent use: the search builds
 * one candidate at a time, each merge already using every core.
 */
public final class CandidateBuilder implements AutoCloseable {

    private static final long SHARD_BYTES = ByteSize.parseSize("5GB");

    private final OpenedModels opened = new OpenedModels();
    private final MergeRunner runner = new MergeRunner(opened);
    private final long seed;
    private final int threads;

    /** A builder whose randomised merges (DARE) draw from {@code seed}, merging on {@code threads} threads. */
    public CandidateBuilder(long seed, int threads) {
        this.seed = seed;
        this.threads = threads;
    }

    /** Plans and merges {@code recipe} into memory. */
    public BuiltModel build(Recipe recipe) {
        MergePlan plan = MergePlanner.plan(recipe, opened);
        InMemorySink sink = new InMemorySink(plan.outputs());
        runner.merge(plan, sink, new MergeOptions(seed, threads, ProgressListener.NONE));
        return new BuiltModel(plan, sink.weights());
    }

    /** Merges {@code recipe} into the model folder {@code target}, all or nothing, replacing an older one. */
    public void write(Recipe recipe, Path target) {
        MergePlan plan = MergePlanner.plan(recipe, opened);
        try (OutputFolder folder = OutputFolder.create(target, true, plan.inputFolders())) {
            try (SafetensorsSink sink = new SafetensorsSink(folder.staging(), plan.outputs(), SHARD_BYTES)) {
                runner.merge(plan, sink, new MergeOptions(seed, threads, ProgressListener.NONE));
            }
            MergedModelFiles.write(plan, folder.staging());
            ModelCard.write(plan, target.getFileName().toString(), folder.staging());
            folder.commit();
        }
    }

    @Override
    public void close() {
        runner.close();
        opened.close();
    }
}
