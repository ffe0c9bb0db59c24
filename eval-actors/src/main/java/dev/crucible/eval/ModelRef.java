package dev.crucible.eval;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.crucible.recipe.RecipeWriter;
import dev.crucible.runtime.LanguageModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Supplier;

/**
 * Which model an evaluator should load. Folders and recipes travel to evaluators on any node (a recipe
 * is merged in memory where it is evaluated); in-memory models only to evaluators on the node that built them.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ModelRef.Folder.class, name = "folder"),
        @JsonSubTypes.Type(value = ModelRef.Recipe.class, name = "recipe")
})
public sealed interface ModelRef permits ModelRef.Folder, ModelRef.Recipe, ModelRef.InMemory {

    /** Identity of the model: evaluators keep a model loaded while batches name the same id. */
    String id();

    /** Whether the reference can be sent to another node. */
    boolean portable();

    /** A Hugging Face model folder (on a file system every evaluator node can read). */
    record Folder(Path dir) implements ModelRef {

        @Override
        public String id() {
            return "folder:" + dir.toAbsolutePath().normalize();
        }

        @Override
        public boolean portable() {
            return true;
        }
    }

    /** A model built in this JVM on demand; each evaluator calls the supplier for its own instance. */
    record InMemory(String id, Supplier<LanguageModel> supplier) implements ModelRef {

        @Override
        public boolean portable() {
            return false;
        }
    }

    /**
     * A merge described by its mergekit recipe rather than its weights, so an evolution candidate can be
     * evaluated on any node: the evaluating node merges it in memory ({@link RecipeModelLoader}). Source
     * model paths must mean the same on every node (a shared volume).
     *
     * @param name    shown in reports and failures, e.g. {@code gen3-cand7}
     * @param yaml    the recipe text
     * @param baseDir folder relative model paths in the recipe resolve against
     * @param seed    seed of randomised merge methods (DARE), so every node builds the same weights
     */
    record Recipe(String name, String yaml, Path baseDir, long seed) implements ModelRef {

        public Recipe {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a recipe model needs a name");
            }
            if (yaml == null || yaml.isBlank()) {
                throw new IllegalArgumentException("recipe model " + name + " has no recipe text");
            }
            baseDir = baseDir.toAbsolutePath().normalize();
        }

        /** A parsed recipe (an evolution candidate decoded from its genome) written back as text. */
        public static Recipe of(String name, dev.crucible.recipe.Recipe recipe, long seed) {
            return new Recipe(name, RecipeWriter.toYaml(recipe), recipe.baseDir(), seed);
        }

        /** The name plus a digest of everything that decides the weights, so an edited recipe is never mistaken for the old one. */
        @Override
        public String id() {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                sha.update((yaml + "\n" + baseDir + "\n" + seed).getBytes(StandardCharsets.UTF_8));
                return "recipe:" + name + "@" + HexFormat.of().formatHex(sha.digest(), 0, 6);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java runtime provides SHA-256", e);
            }
        }

        @Override
        public boolean portable() {
            return true;
        }
    }
}
