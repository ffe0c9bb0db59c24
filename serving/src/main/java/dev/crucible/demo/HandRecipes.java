package dev.crucible.demo;

import dev.crucible.error.CrucibleException;
import dev.crucible.evolve.candidate.HandMerges;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.RecipeWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hand merges the demo starts with: {@code crucible evolve}'s default hand merges ({@link HandMerges}: linear
 * 50/50, task arithmetic with weights 1, TIES with density 0.5 and weights 1) of two experts over their base, so
 * the demo's tables and an evolution report compare the same recipes. Written as mergekit recipes by
 * {@link RecipeWriter}, named by merge method.
 */
final class HandRecipes {

    private HandRecipes() {
    }

    /** Merge method to recipe, in the order the demo merges them; model paths are absolute. */
    static Map<String, Recipe> of(Path base, Path expertAdd, Path expertRev, Path dir) {
        Map<String, Recipe> recipes = new LinkedHashMap<>();
        HandMerges.of(base.toString(), null, List.of(expertAdd.toString(), expertRev.toString()), dir)
                .values().forEach(r -> recipes.put(r.mergeMethod(), r));
        return recipes;
    }

    /** Writes every recipe as {@code dir/METHOD.yml}; returns method to file. */
    static Map<String, Path> write(Path base, Path expertAdd, Path expertRev, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CrucibleException(dir + ": cannot create the recipe folder (" + e.getMessage() + ")", e);
        }
        Map<String, Path> files = new LinkedHashMap<>();
        of(base, expertAdd, expertRev, dir).forEach((name, recipe) -> {
            Path file = dir.resolve(name + ".yml");
            RecipeWriter.write(recipe, file);
            files.put(name, file);
        });
        return files;
    }
}
