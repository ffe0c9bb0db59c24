package dev.crucible.plan;

import dev.crucible.error.CrucibleException;
import dev.crucible.recipe.EmbeddingSource;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.TokenizerSettings;
import dev.crucible.tensor.TensorInfo;
import dev.crucible.tokenizer.OutputVocabulary;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The output vocabulary a recipe's tokenizer settings ask for, built from the opened models (their configs and
 * embedding shapes) after checking that every model the settings name is one of the recipe's.
 */
final class PlannedVocabulary {

    private PlannedVocabulary() {
    }

    /** mergekit's build_tokenizer, when the recipe sets tokenizer_source or a tokenizer: block; else null. */
    static OutputVocabulary of(Recipe recipe, Map<String, ModelIndex> indexes) {
        TokenizerSettings settings = recipe.tokenizerSettings();
        if (settings == null) {
            return null;
        }
        String field = recipe.tokenizer() != null ? "tokenizer.source" : "tokenizer_source";
        List<OutputVocabulary.Model> models = new ArrayList<>();
        for (ModelIndex idx : indexes.values()) {
            models.add(new OutputVocabulary.Model(idx.model(), idx.dir(), vocabSize(idx)));
        }
        String baseName = recipe.baseModel() != null ? recipe.baseModel() : recipe.referencedModels().getFirst();
        OutputVocabulary.Model base = models.stream().filter(m -> m.name().equals(baseName)).findFirst().orElseThrow();
        Path sourceDir = null;
        String source = settings.source();
        if (!source.equals(TokenizerSettings.UNION) && !source.equals(TokenizerSettings.BASE)) {
            ModelIndex known = indexes.get(source);
            sourceDir = known != null ? known.dir() : recipe.resolve(source);
            if (!Files.isDirectory(sourceDir)) {
                HubReference.refuseIfHubReference(field, source, sourceDir);
                throw new CrucibleException(field + ": folder not found: " + sourceDir);
            }
        }
        for (String token : settings.tokens().keySet()) {
            String where = "tokenizer.tokens." + token + ".source";
            switch (settings.tokens().get(token).source()) {
                case EmbeddingSource.FromModel f -> requireReferenced(indexes, where, f.model());
                case EmbeddingSource.ModelToken m -> requireReferenced(indexes, where + ".model", m.model());
                case EmbeddingSource.Zero z -> {
                }
            }
        }
        return OutputVocabulary.build(settings, base, models, sourceDir, field);
    }

    private static void requireReferenced(Map<String, ModelIndex> indexes, String field, String model) {
        if (!indexes.containsKey(model)) {
            throw new CrucibleException(field + ": '" + model + "' is not one of the recipe's models ("
                    + String.join(", ", indexes.keySet()) + "); name it as the recipe does");
        }
    }

    /** The model's embedding rows as its config declares them, else its embedding tensor's rows. */
    private static int vocabSize(ModelIndex idx) {
        int fromConfig = OutputVocabulary.configVocabSize(idx.folder().config());
        if (fromConfig > 0) {
            return fromConfig;
        }
        TensorInfo embed = idx.languageModel().get("model.embed_tokens.weight");
        return embed != null && embed.shape().length == 2 ? Math.toIntExact(embed.shape()[0]) : Integer.MAX_VALUE;
    }
}
