package dev.crucible.merge;

import dev.crucible.error.CrucibleException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MergeMethodsTest {

    @Test
    void registersEveryMethodOfTheSpec() {
        assertThat(MergeMethods.names()).containsExactlyInAnyOrder("linear", "slerp", "nuslerp", "multislerp", "karcher",
                "nearswap", "task_arithmetic", "ties", "dare_ties", "dare_linear", "breadcrumbs", "breadcrumbs_ties",
                "della", "della_linear", "model_stock", "sce", "arcee_fusion", "ram", "ramplus_tl", "passthrough");
        for (String name : MergeMethods.names()) {
            assertThat(MergeMethods.byName(name).orElseThrow().name()).isEqualTo(name);
        }
    }

    @Test
    void baseRequirementFollowsTheSpec() {
        assertThat(MergeMethods.byName("ties").orElseThrow().requiresBase()).isTrue();
        assertThat(MergeMethods.byName("slerp").orElseThrow().requiresBase()).isTrue();
        assertThat(MergeMethods.byName("linear").orElseThrow().requiresBase()).isFalse();
        assertThat(MergeMethods.byName("passthrough").orElseThrow().requiresBase()).isFalse();
    }

    @Test
    void parameterNamesPerMethod() {
        assertThat(MergeMethods.byName("breadcrumbs").orElseThrow().modelParameters())
                .containsExactlyInAnyOrder("weight", "density", "gamma");
        assertThat(MergeMethods.byName("della").orElseThrow().modelParameters())
                .containsExactlyInAnyOrder("weight", "density", "epsilon");
        assertThat(MergeMethods.byName("ties").orElseThrow().globalParameters()).contains("lambda", "int8_mask", "normalize");
        assertThat(MergeMethods.byName("slerp").orElseThrow().globalParameters()).containsExactly("t");
    }

    @Test
    void suggestTreatsDashesAndCaseAlike() {
        assertThat(MergeMethods.suggest("dare-ties")).isEqualTo("dare_ties");
        assertThat(MergeMethods.suggest("TIES")).isEqualTo("ties");
        assertThat(MergeMethods.suggest("Model-Stock")).isEqualTo("model_stock");
    }

    @Test
    void suggestFindsNearTypos() {
        assertThat(MergeMethods.suggest("slurp")).isEqualTo("slerp");
        assertThat(MergeMethods.suggest("task_arithmatic")).isEqualTo("task_arithmetic");
        assertThat(MergeMethods.suggest("breadcrumb")).isEqualTo("breadcrumbs");
    }

    @Test
    void requireNamesTheFileAndTheClosestMethod() {
        assertThatThrownBy(() -> MergeMethods.require("dare-ties", "recipe.yaml"))
                .isInstanceOf(CrucibleException.class)
                .hasMessage("recipe.yaml: unknown merge_method 'dare-ties'; did you mean 'dare_ties'?");
        assertThatThrownBy(() -> MergeMethods.require("frobnicate", "recipe.yaml"))
                .hasMessageStartingWith("recipe.yaml: unknown merge_method 'frobnicate'; known methods: linear, slerp");
        assertThat(MergeMethods.require("ties", "recipe.yaml").name()).isEqualTo("ties");
    }

    @Test
    void suggestGivesNothingForUnrelatedNames() {
        assertThat(MergeMethods.suggest("frobnicate")).isNull();
        assertThat(MergeMethods.byName("Ties")).isEmpty();
    }
}
