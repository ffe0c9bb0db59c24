package dev.crucible.remerge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.crucible.app.AppConfig;
import dev.crucible.error.CrucibleException;
import dev.crucible.plan.MergePlan;
import dev.crucible.plan.MergePlanner;
import dev.crucible.plan.OpenedModels;
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
import java.util.Map;
import java.util.Set;

/**
 * Merges the app's recipe onto a base: {@code ${BASE}} in the recipe's model fields becomes the base
 * folder, substituted in the parsed recipe (not in its YAML text, so a folder name with a newline, a
 * quote or a colon stays one value; {@code ${BASE}+adapter} keeps its suffix), then
 * the ordinary merge pipeline (planner, streaming runner, safetensors sink) writes the candidate into
 * an {@link OutputFolder}, so an interrupted merge leaves no half-written candidate behind.
 */
public final class RecipeMerger implements CandidateMerger {

    /** Seed of randomised merge methods (DARE); a recipe evaluated elsewhere is merged with it too. */
    public static final long SEED = 0;

    private static final long SHARD_BYTES = ByteSize.parseSize("5GB");

    /** The fields that name models, wherever they appear: the only places {@code ${BASE}} is replaced. */
    private static final Set<String> MODEL_FIELDS = Set.of("base_model", "task_vector_base", "model", "tokenizer_source");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path recipeFile;
    private final JsonNode template;
    private final int threads;

    private RecipeMerger(Path recipeFile, JsonNode template, int threads) {
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
        try {
            RecipeParser.parse(text, recipeFile.toAbsolutePath().getParent());
        } catch (CrucibleException e) {
            throw new CrucibleException("recipe " + recipeFile + ": " + e.getMessage(), e);
        }
        JsonNode tree;
        try {
            tree = YAML.readTree(text);
        } catch (IOException e) {
            throw new CrucibleException("recipe " + recipeFile + ": not valid YAML (" + e.getMessage() + ")", e);
        }
        if (!substitute(tree.deepCopy(), "")) {
            throw new CrucibleException("recipe: " + recipeFile + " must name the base as base_model: "
                    + AppConfig.BASE_PLACEHOLDER + " so that new bases can be substituted");
        }
        RecipeMerger merger = new RecipeMerger(recipeFile, tree, threads);
        merger.recipeFor(recipeFile.toAbsolutePath().getParent());
        return merger;
    }

    /** The recipe with {@code base} substituted for {@code ${BASE}}. */
    public Recipe recipeFor(Path base) {
        JsonNode recipe = template.deepCopy();
        substitute(recipe, base.toAbsolutePath().normalize().toString());
        try {
            // JSON is YAML: the parser reads the substituted tree with every value quoted as JSON quotes it.
            return RecipeParser.parse(JSON.writeValueAsString(recipe), recipeFile.toAbsolutePath().getParent());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed recipe always renders as JSON", e);
        } catch (CrucibleException e) {
            throw new CrucibleException("recipe " + recipeFile + ": " + e.getMessage(), e);
        }
    }

    /** Replaces {@code ${BASE}} inside every model field of {@code node} by {@code base}; whether there was one. */
    private static boolean substitute(JsonNode node, String base) {
        boolean found = false;
        if (node instanceof ObjectNode object) {
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                JsonNode value = field.getValue();
                if (MODEL_FIELDS.contains(field.getKey()) && value.isTextual()
                        && value.textValue().contains(AppConfig.BASE_PLACEHOLDER)) {
                    field.setValue(TextNode.valueOf(value.textValue().replace(AppConfig.BASE_PLACEHOLDER, base)));
                    found = true;
                } else {
                    found |= substitute(value, base);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (JsonNode element : array) {
                found |= substitute(element, base);
            }
        }
        return found;
    }

    @Override
    public MergeStats merge(Path base, Path target, MergeMeter meter) {
        Recipe recipe = recipeFor(base);
        try (OpenedModels models = new OpenedModels()) {
            MergePlan plan = MergePlanner.plan(recipe, models);
            try (OutputFolder folder = OutputFolder.create(target, true)) {
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
