package dev.crucible.plan;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeParameters;
import dev.crucible.recipe.ParameterValue;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves the parameters a method declares ({@link MergeMethod#definition()}) for one output tensor, as mergekit's
 * {@code plan_tensor} does: a source's own value over its slice's over the recipe's top level, each evaluated at the
 * tensor's name (filter rules) and layer position {@code t} (gradients). Names the method does not declare are not
 * resolved (the recipe parser warns about them). Each distinct set of values is checked by the method once.
 */
final class ParameterResolver {

    private final MergeMethod method;
    private final Map<String, ParameterValue> topLevel;
    private final Set<MergeParameters> validated = new HashSet<>();

    ParameterResolver(MergeMethod method, Map<String, ParameterValue> topLevel) {
        this.method = method;
        this.topLevel = topLevel;
    }

    /** The global values for {@code tensor} (the output name) at {@code t}. */
    Map<String, Object> global(String tensor, double t, Map<String, ParameterValue> slice) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String name : method.definition().globalParameters()) {
            resolve(name, tensor, t, slice, topLevel).ifPresent(v -> out.put(name, v));
        }
        return out;
    }

    /** One source's values for {@code tensor} (its input name) at {@code t}. */
    Map<String, Object> perModel(String tensor, double t, Map<String, ParameterValue> source,
                                 Map<String, ParameterValue> slice) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String name : method.definition().modelParameters()) {
            resolve(name, tensor, t, source, slice, topLevel).ifPresent(v -> out.put(name, v));
        }
        return out;
    }

    /** Has the method check {@code params} (once per distinct set), naming {@code outName} in its error. */
    void validate(MergeParameters params, String outName) {
        if (validated.add(params)) {
            try {
                method.validate(params);
            } catch (CrucibleException e) {
                throw new CrucibleException(e.getMessage() + " (at tensor " + outName + ")", e);
            }
        }
    }

    @SafeVarargs
    private static Optional<Object> resolve(String name, String tensor, double t,
                                            Map<String, ParameterValue>... levels) {
        for (Map<String, ParameterValue> level : levels) {
            ParameterValue value = level.get(name);
            if (value != null) {
                Optional<Object> v = value.evaluate(tensor, t);
                if (v.isPresent()) {
                    return v;
                }
            }
        }
        return Optional.empty();
    }
}
