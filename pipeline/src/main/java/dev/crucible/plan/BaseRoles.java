package dev.crucible.plan;

import dev.crucible.merge.methods.LinearMerge;
import dev.crucible.merge.MergeMethod;
import dev.crucible.recipe.Recipe;

/**
 * Which model plays which base role in a merge.
 *
 * @param deltaBase            the model task vectors are taken against: task_vector_base when given, else base_model
 * @param rebaseTarget         the base merged task vectors are added to when it differs from {@code deltaBase}
 *                             (base_model when task_vector_base is given), else null
 * @param baseIsOrdinarySource linear averages every listed model, base_model included (as mergekit does); for it
 *                             the base is an ordinary source, not the model task vectors are taken against
 */
record BaseRoles(String deltaBase, String rebaseTarget, boolean baseIsOrdinarySource) {

    static BaseRoles of(Recipe recipe, MergeMethod method) {
        return new BaseRoles(recipe.taskVectorBase() != null ? recipe.taskVectorBase() : recipe.baseModel(),
                recipe.taskVectorBase() != null ? recipe.baseModel() : null,
                method.name().equals(LinearMerge.DEFINITION.name()) && recipe.taskVectorBase() == null);
    }
}
