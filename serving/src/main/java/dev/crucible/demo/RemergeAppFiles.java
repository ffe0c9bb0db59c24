package dev.crucible.demo;

import dev.crucible.app.AppConfig;
import dev.crucible.error.CrucibleException;
import dev.crucible.recipe.ModelEntry;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.recipe.RecipeWriter;
import dev.crucible.serve.AdminTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes what {@code crucible run} needs to serve the evolved merge: {@code recipe.yml} (the evolved
 * recipe with {@code base_model: ${BASE}} and {@code task_vector_base} set to the original base, so the
 * experts' task vectors move onto whichever base arrives), {@code app.yml}, an admin token and an empty
 * {@code bases/} folder to drop new bases into.
 */
final class RemergeAppFiles {

    /** The config file {@code crucible run} reads. */
    static final String APP = "app.yml";
    /** The re-merge recipe. */
    static final String RECIPE = "recipe.yml";
    /** The bearer token of {@code /admin/*}. */
    static final String TOKEN = "admin-token.txt";
    /** Where new bases are dropped. */
    static final String BASES = "bases";

    private RemergeAppFiles() {
    }

    /** Writes the files into {@code dir}; returns the app config file. */
    static Path write(Path dir, Path evolvedRecipe, DemoZoo zoo, int port, int devLimit) {
        try {
            Files.createDirectories(dir.resolve(BASES));
            Files.writeString(dir.resolve(RECIPE), RecipeWriter.toYaml(onAnyBase(RecipeParser.parse(evolvedRecipe), zoo)));
            byte[] secret = new byte[16];
            new SecureRandom().nextBytes(secret);
            AdminTokens.write(dir.resolve(TOKEN), HexFormat.of().formatHex(secret));
            return Files.writeString(dir.resolve(APP), """
                    # crucible run %s: serve the evolved merge, re-merge it onto every base dropped into bases/
                    serve: {host: 127.0.0.1, port: %d, admin_token_file: %s}
                    recipe: %s
                    initial_base: %s
                    bases_dir: %s
                    tasks:
                      - {name: add, path: %s, limit: %d}
                      - {name: rev, path: %s, limit: %d}
                    gates: {max_task_drop: 0.02}
                    state_dir: state
                    watch: {poll_seconds: 0.5, stable_seconds: 1}
                    """.formatted(APP, port, TOKEN, RECIPE, YamlText.quote(zoo.base()), BASES,
                    YamlText.quote(zoo.addDev()), devLimit, YamlText.quote(zoo.revDev()), devLimit));
        } catch (IOException e) {
            throw new CrucibleException(dir + ": cannot write the service config (" + e.getMessage() + ")", e);
        }
    }

    /**
     * {@code recipe} with the base replaced by {@link AppConfig#BASE_PLACEHOLDER}, task vectors taken against
     * its original base, and every model path made absolute so the recipe works from any folder.
     */
    static Recipe onAnyBase(Recipe recipe, DemoZoo zoo) {
        if (recipe.baseModel() == null || recipe.usesSlices()) {
            throw new CrucibleException("the evolved recipe has no base_model to re-merge onto; the demo evolves "
                    + "task-vector merges only");
        }
        String originalBase = recipe.resolve(recipe.baseModel()).toString();
        String tokenizer = recipe.tokenizerSource() == null || "base".equals(recipe.tokenizerSource())
                || "union".equals(recipe.tokenizerSource())
                ? recipe.tokenizerSource() : recipe.resolve(recipe.tokenizerSource()).toString();
        List<ModelEntry> models = recipe.models().stream()
                .map(m -> new ModelEntry(recipe.resolve(m.model()).toString(), m.parameters()))
                .toList();
        return new Recipe(recipe.mergeMethod(), AppConfig.BASE_PLACEHOLDER, models, List.of(), recipe.parameters(),
                recipe.dtype(), recipe.outDtype(), tokenizer, recipe.chatTemplate(), originalBase, zoo.dir());
    }
}
