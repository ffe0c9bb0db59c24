package dev.crucible.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The re-merge set-up the `crucible run` tests share: the zoo experts' task arithmetic onto each new base. */
final class RemergeRecipes {

    private RemergeRecipes() {
    }

    /**
     * Writes {@code dir/recipe.yml} (task arithmetic of both zoo experts, task vectors taken against the zoo
     * base, applied to {@code ${BASE}}) and creates the watched {@code dir/bases} folder.
     */
    static void writeExpertsOntoNewBases(Path dir, Path zoo) throws IOException {
        Files.writeString(dir.resolve("recipe.yml"), """
                merge_method: task_arithmetic
                base_model: ${BASE}
                task_vector_base: %s
                models:
                  - model: %s
                    parameters: {weight: 1.0}
                  - model: %s
                    parameters: {weight: 1.0}
                dtype: float32
                """.formatted(zoo.resolve("base"), zoo.resolve("expert-add"), zoo.resolve("expert-rev")));
        Files.createDirectories(dir.resolve("bases"));
    }
}
