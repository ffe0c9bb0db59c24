package dev.crucible.merge;

import dev.crucible.merge.methods.TaskArithmeticVariant;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MethodDefinitionTest {

    /**
     * mergekit's registry ({@code mergekit/merge_methods/registry.py}, the {@code GeneralizedTaskArithmeticMerge}
     * entries): consensus_method sum or None, default_normalize, default_rescale, transcribed by hand.
     */
    @Test
    void taskArithmeticVariantsCarryMergekitsRegistryConfiguration() {
        Map<String, List<Boolean>> consensusNormalizeRescale = Map.of(
                "task_arithmetic", List.of(false, false, false),
                "ties", List.of(true, true, false),
                "dare_ties", List.of(true, false, true),
                "dare_linear", List.of(false, false, true),
                "breadcrumbs", List.of(false, false, false),
                "breadcrumbs_ties", List.of(true, false, false),
                "della", List.of(true, true, true),
                "della_linear", List.of(false, false, true));
        assertThat(TaskArithmeticVariant.ALL).extracting(TaskArithmeticVariant::name)
                .containsExactlyInAnyOrderElementsOf(consensusNormalizeRescale.keySet());
        for (TaskArithmeticVariant v : TaskArithmeticVariant.ALL) {
            List<Boolean> expected = consensusNormalizeRescale.get(v.name());
            assertThat(List.of(v.electsSigns(), v.normalizeByDefault(), v.rescaleByDefault())).as(v.name())
                    .isEqualTo(expected);
            MethodDefinition d = MergeMethods.definition(v.name()).orElseThrow();
            assertThat(d.parameter("normalize").orElseThrow().defaultValue()).as(v.name()).isEqualTo(expected.get(1));
            assertThat(d.parameter("rescale").orElseThrow().defaultValue()).as(v.name()).isEqualTo(expected.get(2));
            assertThat(d.parameter("lambda").orElseThrow().defaultValue()).isEqualTo(1.0);
            assertThat(d.parameter("density").orElseThrow().defaultValue()).isEqualTo(1.0);
            assertThat(d.parameter("weight").orElseThrow().required()).isTrue();
        }
        assertThat(MergeMethods.definition("breadcrumbs").orElseThrow().parameter("gamma").orElseThrow().defaultValue())
                .isEqualTo(0.01);
        assertThat(MergeMethods.definition("della").orElseThrow().parameter("epsilon").orElseThrow().defaultValue())
                .isEqualTo(0.15);
    }

    @Test
    void theDeclaredDefaultIsWhatAnUnsetParameterReads() {
        MergeParameters unset = new MergeParameters(Map.of(), List.of(Map.of()));
        MergeParameters set = new MergeParameters(Map.of("normalize", false, "lambda", 0.5),
                List.of(Map.of("density", 0.25)));
        MethodDefinition ties = MergeMethods.definition("ties").orElseThrow();
        ParameterDefinition normalize = ties.parameter("normalize").orElseThrow();
        ParameterDefinition lambda = ties.parameter("lambda").orElseThrow();
        ParameterDefinition density = ties.parameter("density").orElseThrow();
        assertThat(normalize.flag(unset)).isTrue();
        assertThat(normalize.flag(set)).isFalse();
        assertThat(lambda.number(unset)).isEqualTo(1.0);
        assertThat(lambda.number(set)).isEqualTo(0.5);
        assertThat(density.number(unset, 0)).isEqualTo(1.0);
        assertThat(density.number(set, 0)).isEqualTo(0.25);
        assertThat(ParameterDefinition.WEIGHT.number(unset, 0)).isNaN();
    }

    @Test
    void theSearchedParametersAreTheOnesEvolutionVaries() {
        Map<String, List<String>> searched = Map.of("linear", List.of("weight"), "task_arithmetic", List.of("weight"),
                "ties", List.of("weight", "density"), "dare_ties", List.of("weight", "density"), "slerp", List.of("t"));
        searched.forEach((method, names) -> assertThat(MergeMethods.definition(method).orElseThrow().searched())
                .as(method).extracting(ParameterDefinition::name).containsExactlyElementsOf(names));
    }

    @Test
    void scopesSplitThePerModelAndGlobalNames() {
        MethodDefinition ram = MergeMethods.definition("ramplus_tl").orElseThrow();
        assertThat(ram.modelParameters()).isEmpty();
        assertThat(ram.globalParameters()).containsExactly("epsilon", "r", "alpha");
        MethodDefinition passthrough = MergeMethods.definition("passthrough").orElseThrow();
        assertThat(passthrough.modelParameters()).containsExactly("scale");
        assertThat(passthrough.requiresBase()).isFalse();
        assertThat(MergeMethods.definitions()).extracting(MethodDefinition::name)
                .containsExactlyElementsOf(MergeMethods.names());
    }

    @Test
    void aParameterDeclaredTwiceOrWithADefaultOfTheWrongKindIsRefused() {
        assertThatThrownBy(() -> MethodDefinition.withBase("x", ParameterDefinition.WEIGHT, ParameterDefinition.WEIGHT))
                .hasMessageContaining("weight declared twice");
        assertThatThrownBy(() -> ParameterDefinition.perModel("w", null).withDefault(true))
                .hasMessageContaining("not a NUMBER");
    }
}
