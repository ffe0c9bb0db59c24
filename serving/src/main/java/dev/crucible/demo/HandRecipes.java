package dev.crucible.demo;

import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The hand-written merges the demo starts with, as the mergekit recipes in {@code demo/recipes} spell
 * them (linear 50/50, task arithmetic with weights 1, TIES with density 0.5), pointed at the zoo in use.
 */
final class HandRecipes {

    private HandRecipes() {
    }

    /** Recipe name to YAML text, in the order the demo merges them. */
    static Map<String, String> of(DemoZoo zoo) {
        String add = YamlText.quote(zoo.expertAdd());
        String rev = YamlText.quote(zoo.expertRev());
        String base = YamlText.quote(zoo.base());
        Map<String, String> recipes = new LinkedHashMap<>();
        recipes.put("linear", """
                # 0.5 x expert-add + 0.5 x expert-rev
                merge_method: linear
                models:
                  - model: %s
                    parameters: {weight: 0.5}
                  - model: %s
                    parameters: {weight: 0.5}
                dtype: float32
                """.formatted(add, rev));
        recipes.put("task_arithmetic", """
                # base + (add - base) + (rev - base)
                merge_method: task_arithmetic
                base_model: %s
                models:
                  - model: %s
                    parameters: {weight: 1.0}
                  - model: %s
                    parameters: {weight: 1.0}
                dtype: float32
                """.formatted(base, add, rev));
        recipes.put("ties", """
                # TIES, density 0.5, weights 1/1, sign by sum, disjoint mean
                merge_method: ties
                base_model: %s
                models:
                  - model: %s
                    parameters: {weight: 1.0, density: 0.5}
                  - model: %s
                    parameters: {weight: 1.0, density: 0.5}
                parameters:
                  normalize: true
                dtype: float32
                out_dtype: bfloat16
                """.formatted(base, add, rev));
        return recipes;
    }

    /** Writes every recipe as {@code dir/NAME.yml}; returns name to file. */
    static Map<String, Path> write(DemoZoo zoo, Path dir) {
        Map<String, Path> files = new LinkedHashMap<>();
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, String> recipe : of(zoo).entrySet()) {
                files.put(recipe.getKey(), Files.writeString(dir.resolve(recipe.getKey() + ".yml"), recipe.getValue()));
            }
        } catch (IOException e) {
            throw new CrucibleException(dir + ": cannot write the demo recipes (" + e.getMessage() + ")", e);
        }
        return files;
    }
}
