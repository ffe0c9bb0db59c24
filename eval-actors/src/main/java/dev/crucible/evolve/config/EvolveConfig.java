package dev.crucible.evolve.config;

import dev.crucible.task.TaskSelection;
import java.nio.file.Path;
import java.util.List;

/**
 * An evolution config file ({@code crucible evolve CONFIG.yml}), paths resolved against its folder.
 *
 * @param file        the config file
 * @param baseModel   the model the others were fine-tuned from, or null (data-flow search only)
 * @param taskVectorBase the model task vectors are taken against when the merge lands on another base_model
 *                    (a VLM whose language model started from it), or null
 * @param models      the source models
 * @param mergeMethod the parameter-space merge method
 * @param genome      what the search changes
 * @param search      optimiser settings and budget
 * @param tasks       dev tasks: the fitness is minus their mean score
 * @param testTasks   held-out tasks, only reported
 * @param moe         the mergekit-moe config of a {@code moe} search (its base and experts are baseModel and
 *                    models), or null
 */
public record EvolveConfig(Path file, Path baseModel, Path taskVectorBase, List<Path> models, String mergeMethod, GenomeSettings genome,
                           SearchSettings search, List<TaskSelection> tasks, List<TaskSelection> testTasks,
                           dev.crucible.moe.MoeConfig moe) {

    public EvolveConfig {
        models = List.copyOf(models);
        tasks = List.copyOf(tasks);
        testTasks = List.copyOf(testTasks);
    }
}
