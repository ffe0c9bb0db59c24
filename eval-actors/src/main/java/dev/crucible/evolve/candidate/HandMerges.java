package dev.crucible.evolve.candidate;

import dev.crucible.recipe.ModelEntry;
import dev.crucible.recipe.ParameterValue;
import dev.crucible.recipe.Recipe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The default hand merges the evolved merge is compared with: linear with equal weights (50/50 for two
 * models; needs two or more), task arithmetic with weights 1, and TIES with density 0.5 and weights 1 (the
 * latter two need a base model).
 */
public final class HandMerges {

    private HandMerges() {
    }

    /**
     * Report name to recipe, for the base and task-vector base (either may be null) and models, all as recipe
     * strings relative to baseDir.
     */
    public static Map<String, Recipe> of(String base, String taskVectorBase, List<String> models, Path baseDir) {
        Map<String, Recipe> out = new LinkedHashMap<>();
        double share = Math.round(1e4 / models.size()) / 1e4;
        if (models.size() > 1) {
            out.put("linear " + percentSplit(models.size()), recipe("linear", null, null, models,
                    Map.of("weight", share), baseDir));
        }
        if (base != null) {
            out.put("task_arithmetic weights 1", recipe("task_arithmetic", base, taskVectorBase, models,
                    Map.of("weight", 1.0), baseDir));
            out.put("ties density 0.5 weights 1", recipe("ties", base, taskVectorBase, models,
                    Map.of("weight", 1.0, "density", 0.5), baseDir));
        }
        return out;
    }

    private static String percentSplit(int n) {
        String part = String.valueOf(Math.round(100.0 / n));
        return String.join("/", Collections.nCopies(n, part));
    }

    private static Recipe recipe(String method, String base, String taskVectorBase, List<String> models,
                                 Map<String, Double> params, Path baseDir) {
        List<ModelEntry> entries = new ArrayList<>();
        for (String m : models) {
            Map<String, ParameterValue> p = new LinkedHashMap<>();
            params.forEach((k, v) -> p.put(k, ParameterValue.Scalar.of(v)));
            entries.add(new ModelEntry(m, p));
        }
        return new Recipe(method, base, entries, List.of(), Map.of(), null, null, null, null, taskVectorBase, baseDir);
    }
}
