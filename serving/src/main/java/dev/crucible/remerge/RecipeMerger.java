package dev.crucible.remerge;

import dev.crucible.app.AppConfig;
import dev.crucible.error.CrucibleException;
import dev.crucible.plan.ArchitectureMatch;
import dev.crucible.plan.MergePlan;
import dev.crucible.plan.MergePlanner;
import dev.crucible.plan.OpenedModels;
import dev.crucible.plan.SliceVocabularies;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.safetensors.ByteSize;
import dev.crucible.safetensors.OutputFolder;
import dev.crucible.stream.MergeOptions;
import dev.crucible.stream.MergeRunner;
import dev.crucible.stream.MergeStats;
import dev.crucible.stream.MergedModelFiles;
import dev.crucible.stream.ModelCard;
import dev.crucible.stream.ProgressListener;
import dev.crucible.stream.SafetensorsSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Merges the app's recipe onto a base: {@code ${BASE}} in the recipe text becomes the base folder, then
 * the ordinary merge pipeline (planner, streaming runner, safetensors sink) writes the candidate into
 * an {@link OutputFolder}, so an interrupted merge leaves no half-written candidate behind.
 */
public final class RecipeMerger implements CandidateMerger {

    /** Seed of randomised merge methods (DARE); a recipe evaluated elsewhere is merged with it too. */
    public static final long SEED = 0;

    private static final long SHARD_BYTES = ByteSize.parseSize("5GB");
    /**
     * {@code ${BASE}}, bare or in quotes, with an optional {@code +LORA_DIR} after it (up to the closing quote,
     * or for a bare scalar up to white space or the end of a flow collection).
     */
    private static final Pattern PLACEHOLDER = Pattern.compile(
            "([\"']?)" + Pattern.quote(AppConfig.BASE_PLACEHOLDER) + "(\\+[^\"'\\s,\\]}#]+)?\\1");

    private final Path recipeFile;
    private final String template;
    private final int threads;

    private RecipeMerger(Path recipeFile, String template, int threads) {
        this.recipeFile = recipeFile;
        this.template = template;
        this.threads = threads;
    }

    /** Reads the recipe and checks it names the base as {@code ${BASE}} and parses once substituted. */
    public static RecipeMerger load(Path recipeFile, int threads) {
        String text;
        try {
            text = Files.readString(recipeFile);
        } catch (NoSuchFileException e) {
            throw new CrucibleException("recipe: " + recipeFile + " not found");
        } catch (IOException e) {
            throw new CrucibleException("recipe: cannot read " + recipeFile + " (" + e.getMessage() + ")", e);
        }
        if (!text.contains(AppConfig.BASE_PLACEHOLDER)) {
            throw new CrucibleException("recipe: " + recipeFile + " must name the base as base_model: "
                    + AppConfig.BASE_PLACEHOLDER + " so that new bases can be substituted");
        }
        RecipeMerger merger = new RecipeMerger(recipeFile, text, threads);
        merger.recipeFor(recipeFile.toAbsolutePath().getParent());
        return merger;
    }

    /**
     * The recipe with {@code base} substituted for {@code ${BASE}}. A LoRA adapter written after it,
     * {@code ${BASE}+path/to/adapter} (quoted or not), stays with it: the adapter is re-applied to each new base.
     */
    public Recipe recipeFor(Path base) {
        String folder = base.toAbsolutePath().normalize().toString();
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder substituted = new StringBuilder();
        while (m.find()) {
            String value = folder + (m.group(2) == null ? "" : m.group(2));
            String quoted = "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            m.appendReplacement(substituted, Matcher.quoteReplacement(quoted));
        }
        m.appendTail(substituted);
        String yaml = substituted.toString();
        try {
            return RecipeParser.parse(yaml, recipeFile.toAbsolutePath().getParent());
        } catch (CrucibleException e) {
            throw new CrucibleException("recipe " + recipeFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public MergeStats merge(Path base, Path target, MergeMeter meter) {
        Recipe recipe = recipeFor(base);
        try (OpenedModels models = new OpenedModels()) {
            MergePlan plan = MergePlanner.plan(recipe, models);
            // A new base of another architecture is refused as `crucible merge` refuses it without --allow-crimes.
            ArchitectureMatch.check(plan, models, false);
            SliceVocabularies.check(plan, models);
            try (OutputFolder folder = OutputFolder.create(target, true, plan.inputFolders())) {
                MergeStats stats;
                try (SafetensorsSink sink = new SafetensorsSink(folder.staging(), plan.outputs(), SHARD_BYTES);
                     MergeRunner runner = new MergeRunner(models)) {
                    stats = runner.merge(plan, sink, new MergeOptions(SEED, threads, deltas(meter)));
                }
                MergedModelFiles.write(plan, folder.staging());
                ModelCard.write(plan, target.getFileName().toString(), folder.staging());
                folder.commit();
                return stats;
            }
        }
    }

    /** Turns the runner's running totals into the increments the meter counts. */
    private static ProgressListener deltas(MergeMeter meter) {
        return new ProgressListener() {
            private int tensors;
            private long bytes;

            @Override
            public void onTensor(dev.crucible.stream.MergeProgress p) {
                meter.written(p.done() - tensors, p.bytesWritten() - bytes);
                tensors = p.done();
                bytes = p.bytesWritten();
            }
        };
    }
}
