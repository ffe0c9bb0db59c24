package dev.crucible.merge.methods;

import dev.crucible.merge.MethodDefinition;
import dev.crucible.merge.ParameterDefinition;
import dev.crucible.merge.sparsify.Sparsification;

import java.util.ArrayList;
import java.util.List;

/**
 * One member of the generalised task-arithmetic family, configured by named steps as mergekit's registry
 * configures {@code GeneralizedTaskArithmeticMerge} with keyword arguments ({@code mergekit/merge_methods/registry.py}):
 * {@code named("ties").sparsifiedBy(MAGNITUDE).electingSigns().normalizingByDefault()}.
 *
 * @param name               the recipe's {@code merge_method}
 * @param sparsification     how task vectors are thinned before they are combined
 * @param electsSigns        whether a sign consensus ({@code consensus_method: sum}) drops disagreeing deltas
 * @param normalizeByDefault the default of {@code normalize}
 * @param rescaleByDefault   the default of {@code rescale}
 */
public record TaskArithmeticVariant(String name, Sparsification sparsification, boolean electsSigns,
                                    boolean normalizeByDefault, boolean rescaleByDefault) {

    /** The scale applied to the combined task vector. */
    static final ParameterDefinition LAMBDA = ParameterDefinition.global("lambda", 1.0);
    /** mergekit's int8 mask, accepted for compatibility; it changes nothing here. */
    static final ParameterDefinition INT8_MASK = ParameterDefinition.flag("int8_mask", false);

    /** The eight methods of the family, as in mergekit's registry. */
    public static final List<TaskArithmeticVariant> ALL = List.of(
            named("task_arithmetic"),
            named("ties").sparsifiedBy(Sparsification.MAGNITUDE).electingSigns().normalizingByDefault(),
            named("dare_ties").sparsifiedBy(Sparsification.RANDOM).electingSigns().rescalingByDefault(),
            named("dare_linear").sparsifiedBy(Sparsification.RANDOM).rescalingByDefault(),
            named("breadcrumbs").sparsifiedBy(Sparsification.MAGNITUDE_OUTLIERS),
            named("breadcrumbs_ties").sparsifiedBy(Sparsification.MAGNITUDE_OUTLIERS).electingSigns(),
            named("della").sparsifiedBy(Sparsification.DELLA_MAGPRUNE).electingSigns().normalizingByDefault()
                    .rescalingByDefault(),
            named("della_linear").sparsifiedBy(Sparsification.DELLA_MAGPRUNE).rescalingByDefault());

    /** Plain task arithmetic under {@code name}: no sparsification, no consensus, neither default set. */
    public static TaskArithmeticVariant named(String name) {
        return new TaskArithmeticVariant(name, Sparsification.NONE, false, false, false);
    }

    /** This variant thinning its task vectors by {@code s}. */
    public TaskArithmeticVariant sparsifiedBy(Sparsification s) {
        return new TaskArithmeticVariant(name, s, electsSigns, normalizeByDefault, rescaleByDefault);
    }

    /** This variant with TIES sign consensus. */
    public TaskArithmeticVariant electingSigns() {
        return new TaskArithmeticVariant(name, sparsification, true, normalizeByDefault, rescaleByDefault);
    }

    /** This variant dividing by the summed weights unless the recipe sets {@code normalize: false}. */
    public TaskArithmeticVariant normalizingByDefault() {
        return new TaskArithmeticVariant(name, sparsification, electsSigns, true, rescaleByDefault);
    }

    /** This variant rescaling sparsified task vectors to their L1 norm unless the recipe sets {@code rescale: false}. */
    public TaskArithmeticVariant rescalingByDefault() {
        return new TaskArithmeticVariant(name, sparsification, electsSigns, normalizeByDefault, true);
    }

    /** {@code normalize} with this variant's default. */
    ParameterDefinition normalize() {
        return ParameterDefinition.flag("normalize", normalizeByDefault);
    }

    /** {@code rescale} with this variant's default. */
    ParameterDefinition rescale() {
        return ParameterDefinition.flag("rescale", rescaleByDefault);
    }

    /**
     * mergekit's {@code tensor_parameters} (weight, density and the sparsifier's own) and {@code parameters}
     * (normalize, rescale, lambda, int8_mask); density is searched only where it sparsifies.
     */
    public MethodDefinition definition() {
        List<ParameterDefinition> params = new ArrayList<>();
        params.add(ParameterDefinition.WEIGHT);
        params.add(sparsification == Sparsification.NONE ? Sparsification.DENSITY : Sparsification.DENSITY.asSearched());
        params.addAll(sparsification.parameters());
        params.addAll(List.of(normalize(), rescale(), LAMBDA, INT8_MASK));
        return new MethodDefinition(name, true, params);
    }
}
