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
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** model_stock, sce and arcee_fusion on hand-worked examples. */
class OtherMergeTest {

    private static final List<Map<String, Object>> TWO = List.of(Map.of(), Map.of());

    @Test
    void modelStockWithOrthogonalTaskVectorsStaysAtBase() {
        // cos = 0 -> t = 0 -> out = b
        float[] out = merge("model_stock", Inputs.input(vec("base", 1, 1), List.of(vec("a", 2, 1), vec("b", 1, 2)),
                Map.of(), TWO));
        assertThat(out).containsExactly(1f, 1f);
    }

    @Test
    void modelStockInterpolatesByTheAngle() {
        // d1 = (1,0), d2 = (1,1): cos = 0.7071, t = 2*0.7071/(1+0.7071) = 0.8284; avg = (1, 0.5) -> t*avg
        float[] out = merge("model_stock", Inputs.input(vec("base", 0, 0), List.of(vec("a", 1, 0), vec("b", 1, 1)),
                Map.of(), TWO));
        double t = 2 * Math.sqrt(0.5) / (1 + Math.sqrt(0.5));
        assertThat(out[0]).isCloseTo((float) t, within(1e-6f));
        assertThat(out[1]).isCloseTo((float) (t * 0.5), within(1e-6f));
    }

    @Test
    void modelStockFilterWiseUsesOneAnglePerRow() {
        // row 0: d = (1,0),(0,1) -> cos 0 -> base; row 1: d = (1,1),(1,1) -> cos 1 -> t 1 -> avg (1,1)
        MergeInput<TensorValues> in = new MergeInput<>("x", new long[] {2, 2}, mat("base", 2, 2, 0, 0, 0, 0),
                List.of(mat("a", 2, 2, 1, 0, 1, 1), mat("b", 2, 2, 0, 1, 1, 1)),
                new MergeParameters(Map.of("filter_wise", true), TWO), 0);
        assertThat(merge("model_stock", in)).containsExactly(0f, 0f, 1f, 1f);
    }

    @Test
    void modelStockNeedsTwoModels() {
        assertThatThrownBy(() -> new ModelStockMerge().validate(new MergeParameters(Map.of(), List.of(Map.of()))))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("at least two models");
    }

    @Test
    void sceWeightsModelsByMeanSquaredDelta() {
        // d1 = (2,-1): mean sq 2.5; d2 = (1,-3): mean sq 5 -> w = 1/3, 2/3
        // e0: sum 3 -> + -> both agree: (2/3 + 2/3) / 1 = 4/3; e1: both - : (-1/3 - 2) / 1 = -7/3
        float[] out = merge("sce", Inputs.input(vec("base", 0, 0), List.of(vec("a", 2, -1), vec("b", 1, -3)),
                Map.of(), TWO));
        assertThat(out[0]).isCloseTo(4f / 3, within(1e-6f));
        assertThat(out[1]).isCloseTo(-7f / 3, within(1e-6f));
    }

    @Test
    void sceErasesMinoritySigns() {
        // d1 = (2,-1), d2 = (-1,-1): weights 2.5/3.5, 1/3.5. e0 sum +1 -> only d1 -> 2; e1 both -> -1
        float[] out = merge("sce", Inputs.input(vec("base", 0, 0), List.of(vec("a", 2, -1), vec("b", -1, -1)),
                Map.of(), TWO));
        assertThat(out[0]).isCloseTo(2f, within(1e-6f));
        assertThat(out[1]).isCloseTo(-1f, within(1e-6f));
    }

    @Test
    void sceSelectTopkKeepsHighVariancePositions() {
        // d1 = (1,0,5), d2 = (1,2,-5): variance (0, 1, 25), 2 non-zero, topk 0.5 -> keep 1 position (index 2).
        // e2: sum 0 -> +, only d1 (5) agrees; weights equal (25/3 each) -> 5
        float[] out = merge("sce", Inputs.input(vec("base", 0, 0, 0), List.of(vec("a", 1, 0, 5), vec("b", 1, 2, -5)),
                Map.of("select_topk", 0.5), TWO));
        assertThat(out).containsExactly(0f, 0f, 5f);
    }

    @Test
    void arceeFusionTakesOnlyOutlierChanges() {
        // |b - a| = (.1,.2,.1,.2,.1,.2,.1,3) times one KL. Sorted: .1 x4, .2 x3, 3 -> median .1, q1 .1, q3 .2,
        // threshold .1 + 1.5 * .1 = .25 -> only the last element changes.
        float[] out = merge("arcee_fusion", Inputs.input(vec("base", 0, 0, 0, 0, 0, 0, 0, 0),
                List.of(vec("a", 0.1f, 0.2f, 0.1f, 0.2f, 0.1f, 0.2f, 0.1f, 3f)), Map.of(), List.of(Map.of())));
        assertThat(out).containsExactly(0, 0, 0, 0, 0, 0, 0, 3f);
    }

    @Test
    void arceeFusionThresholdIsMedianPlusOneAndHalfIqr() {
        // sorted 1..8, n - 1 = 7: median at index 3 (4), q1 at floor(1.75) = 1 (2), q3 at floor(5.25) = 5 (6)
        assertThat(ArceeFusionMerge.threshold(new float[] {8, 1, 7, 2, 6, 3, 5, 4})).isEqualTo(4 + 1.5f * (6 - 2));
    }
}
