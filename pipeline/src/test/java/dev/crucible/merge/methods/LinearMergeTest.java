package dev.crucible.merge.methods;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.TensorValues;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.crucible.merge.methods.Inputs.mat;
import static dev.crucible.merge.methods.Inputs.merge;
import static dev.crucible.merge.methods.Inputs.vec;
import static dev.crucible.merge.methods.Inputs.w;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LinearMergeTest {

    @Test
    void linearAveragesByNormalisedWeights() {
        // (1*[1, 2] + 3*[5, 6]) / 4 = [16, 20] / 4 = [4, 5]
        float[] out = merge("linear", Inputs.input(null, List.of(vec("a", 1, 2), vec("b", 5, 6)), Map.of(),
                List.of(w(1), w(3))));
        assertThat(out).containsExactly(4f, 5f);
    }

    @Test
    void linearWithoutNormaliseSumsWeighted() {
        // 1*[1, 2] + 3*[5, 6] = [16, 20]
        float[] out = merge("linear", Inputs.input(null, List.of(vec("a", 1, 2), vec("b", 5, 6)),
                Map.of("normalize", false), List.of(w(1), w(3))));
        assertThat(out).containsExactly(16f, 20f);
    }

    @Test
    void linearIgnoresTheBase() {
        float[] out = merge("linear", Inputs.input(vec("base", 100, 100), List.of(vec("a", 1, 2), vec("b", 5, 6)),
                Map.of(), List.of(w(1), w(1))));
        assertThat(out).containsExactly(3f, 4f);
    }

    @Test
    void linearMergesVocabMismatchOverTheCommonRows() {
        // a is 2x2, b is 3x2; output 2x2 (common rows): plain average
        MergeInput<TensorValues> in = new MergeInput<>("model.embed_tokens.weight", new long[] {2, 2}, null,
                List.of(mat("a", 2, 2, 1, 2, 3, 4), mat("b", 3, 2, 3, 4, 5, 6, 7, 8)),
                new MergeParameters(Map.of(), List.of(w(1), w(1))), 0);
        assertThat(merge("linear", in)).containsExactly(2f, 3f, 4f, 5f);
    }

    @Test
    void linearFillsRowsOnlySomeModelsHaveFromThoseModels() {
        // output 3x2: rows 0-1 average a and b, row 2 exists only in b -> b's row (normalised by b's weight alone)
        MergeInput<TensorValues> in = new MergeInput<>("lm_head.weight", new long[] {3, 2}, null,
                List.of(mat("a", 2, 2, 1, 2, 3, 4), mat("b", 3, 2, 3, 4, 5, 6, 7, 8)),
                new MergeParameters(Map.of(), List.of(w(1), w(1))), 0);
        assertThat(merge("linear", in)).containsExactly(2f, 3f, 4f, 5f, 7f, 8f);
    }

    @Test
    void linearRejectsWeightsSummingToZero() {
        MergeParameters p = new MergeParameters(Map.of(), List.of(w(1), w(-1)));
        assertThatThrownBy(() -> new LinearMerge().validate(p)).isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("linear: the weights sum to 0");
    }

    @Test
    void linearRejectsMissingWeight() {
        MergeParameters p = new MergeParameters(Map.of(), List.of(Map.of()), List.of("expert-rev"));
        assertThatThrownBy(() -> new LinearMerge().validate(p)).isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("linear: parameter 'weight' is required for model expert-rev");
    }
}
