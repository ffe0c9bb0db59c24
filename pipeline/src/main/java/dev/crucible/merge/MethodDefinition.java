package dev.crucible.merge;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a merge method is, declared once (after mergekit's {@code MergeMethod.name}, {@code parameters} and
 * {@code tensor_parameters}, {@code mergekit/merge_methods/base.py}): its recipe name, whether it needs a
 * {@code base_model}, and the parameters it reads. The registry ({@link MergeMethods}), the planner's parameter
 * resolution and checks, the recipe parser's warnings and suggestions and the evolutionary genome all read it.
 *
 * @param name         the recipe's {@code merge_method}, e.g. {@code ties}
 * @param requiresBase whether the recipe must name a {@code base_model}
 * @param parameters   the parameters, per model and global, in the order they are documented
 */
public record MethodDefinition(String name, boolean requiresBase, List<ParameterDefinition> parameters) {

    public MethodDefinition {
        parameters = List.copyOf(parameters);
        Set<String> seen = new HashSet<>();
        for (ParameterDefinition p : parameters) {
            if (!seen.add(p.name())) {
                throw new IllegalArgumentException(name + ": parameter " + p.name() + " declared twice");
            }
        }
    }

    /** A method that takes task vectors against (or otherwise needs) the base model. */
    public static MethodDefinition withBase(String name, ParameterDefinition... parameters) {
        return new MethodDefinition(name, true, List.of(parameters));
    }

    /** A method for which a base model is optional. */
    public static MethodDefinition baseOptional(String name, ParameterDefinition... parameters) {
        return new MethodDefinition(name, false, List.of(parameters));
    }

    /** Names of the per-model parameters, in declaration order. */
    public Set<String> modelParameters() {
        return names(ParameterDefinition.Scope.PER_MODEL);
    }

    /** Names of the global parameters, in declaration order. */
    public Set<String> globalParameters() {
        return names(ParameterDefinition.Scope.GLOBAL);
    }

    /** The declaration of parameter {@code name}, if the method reads it. */
    public Optional<ParameterDefinition> parameter(String name) {
        return parameters.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** Whether the method reads a parameter {@code name}, per model or global. */
    public boolean declares(String name) {
        return parameter(name).isPresent();
    }

    /** The parameters an evolutionary search varies, in declaration order. */
    public List<ParameterDefinition> searched() {
        return parameters.stream().filter(ParameterDefinition::searched).toList();
    }

    private Set<String> names(ParameterDefinition.Scope scope) {
        Set<String> out = new LinkedHashSet<>();
        for (ParameterDefinition p : parameters) {
            if (p.scope() == scope) {
                out.add(p.name());
            }
        }
        return Collections.unmodifiableSet(out);
    }
}
