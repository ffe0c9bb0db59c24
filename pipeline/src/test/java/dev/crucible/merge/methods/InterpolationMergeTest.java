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
import static org.assertj.core.api.Assertions.within;

/** slerp, nuslerp, multislerp, karcher and nearswap on vectors whose results are known in closed form. */
class InterpolationMergeTest {

    private static final float R = (float) Math.sqrt(0.5);

    @Test
    void slerpHalfwayBetweenOrthogonalVectorsIsOnTheArc() {
        // theta = pi/2, sin(pi/4)/sin(pi/2) = 0.7071 for both
        float[] out = merge("slerp", Inputs.input(vec("base", 1, 0), List.of(vec("a", 0, 1)), Map.of("t", 0.5),
                List.of(Map.of())));
        assertThat(out[0]).isCloseTo(R, within(1e-6f));
        assertThat(out[1]).isCloseTo(R, within(1e-6f));
    }

    @Test
    void slerpAppliesWeightsToUnnormalisedTensors() {
        // base (2, 0), other (0, 4): t = 1/3 -> theta = pi/2, s0 = sin(pi/3) = 0.8660, s1 = sin(pi/6) = 0.5
        float[] out = merge("slerp", Inputs.input(vec("base", 2, 0), List.of(vec("a", 0, 4)), Map.of("t", 1.0 / 3),
                List.of(Map.of())));
        assertThat(out[0]).isCloseTo(2 * 0.8660254f, within(1e-5f));
        assertThat(out[1]).isCloseTo(4 * 0.5f, within(1e-5f));
    }

    @Test
    void slerpFallsBackToLerpForParallelVectors() {
        // (1, 2) and (2, 4): |dot| = 1 > 0.9995 -> 0.75*(1, 2) + 0.25*(2, 4) = (1.25, 2.5)
        float[] out = merge("slerp", Inputs.input(vec("base", 1, 2), List.of(vec("a", 2, 4)), Map.of("t", 0.25),
                List.of(Map.of())));
        assertThat(out).containsExactly(1.25f, 2.5f);
    }

    @Test
    void slerpAtZeroIsTheBase() {
        float[] out = merge("slerp", Inputs.input(vec("base", 3, -1), List.of(vec("a", 0, 5)), Map.of("t", 0.0),
                List.of(Map.of())));
        assertThat(out).containsExactly(3f, -1f);
    }

    @Test
    void slerpRequiresT() {
        MergeParameters p = new MergeParameters(Map.of(), List.of(Map.of()));
        assertThatThrownBy(() -> new SlerpMerge().validate(p)).isInstanceOf(CrucibleException.class)
                .hasMessage("slerp: parameter 't' is required; add it to the top-level parameters");
    }

    @Test
    void slerpRequiresExactlyOneOtherModel() {
        MergeParameters p = new MergeParameters(Map.of("t", 0.5), List.of(Map.of(), Map.of()));
        assertThatThrownBy(() -> new SlerpMerge().validate(p)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("exactly one model besides the base_model, got 2");
    }

    @Test
    void nuslerpWithEqualWeightsIsTheMidpoint() {
        float[] out = merge("nuslerp", Inputs.input(null, List.of(vec("a", 1, 0), vec("b", 0, 1)), Map.of(),
                List.of(w(1), w(1))));
        assertThat(out[0]).isCloseTo(R, within(1e-6f));
        assertThat(out[1]).isCloseTo(R, within(1e-6f));
    }

    @Test
    void nuslerpWithBaseInterpolatesTaskVectors() {
        // task vectors (1, 0) and (0, 1) from base (10, 10); t = 0.5 -> (10.7071, 10.7071)
        float[] out = merge("nuslerp", Inputs.input(vec("base", 10, 10), List.of(vec("a", 11, 10), vec("b", 10, 11)),
                Map.of(), List.of(w(2), w(2))));
        assertThat(out[0]).isCloseTo(10 + R, within(1e-5f));
        assertThat(out[1]).isCloseTo(10 + R, within(1e-5f));
    }

    @Test
    void nuslerpRowWiseTreatsEachRowSeparately() {
        // rows of a: (1,0), (2,2); rows of b: (0,1), (4,4). Row 0 is the orthogonal midpoint; row 1 is parallel
        // -> lerp: 0.5*(2,2) + 0.5*(4,4) = (3,3)
        MergeInput<TensorValues> in = new MergeInput<>("x", new long[] {2, 2}, null,
                List.of(mat("a", 2, 2, 1, 0, 2, 2), mat("b", 2, 2, 0, 1, 4, 4)),
                new MergeParameters(Map.of("nuslerp_flatten", false), List.of(w(1), w(1))), 0);
        float[] out = merge("nuslerp", in);
        assertThat(out[0]).isCloseTo(R, within(1e-6f));
        assertThat(out[1]).isCloseTo(R, within(1e-6f));
        assertThat(out[2]).isCloseTo(3f, within(1e-6f));
        assertThat(out[3]).isCloseTo(3f, within(1e-6f));
    }

    @Test
    void nuslerpColumnWiseTreatsEachColumnSeparately() {
        // columns of a: (1,0), (2,2); of b: (0,1), (4,4) (stored transposed)
        MergeInput<TensorValues> in = new MergeInput<>("x", new long[] {2, 2}, null,
                List.of(mat("a", 2, 2, 1, 2, 0, 2), mat("b", 2, 2, 0, 4, 1, 4)),
                new MergeParameters(Map.of("nuslerp_flatten", false, "nuslerp_row_wise", true), List.of(w(1), w(1))), 0);
        float[] out = merge("nuslerp", in);
        assertThat(out[0]).isCloseTo(R, within(1e-6f));
        assertThat(out[2]).isCloseTo(R, within(1e-6f));
        assertThat(out[1]).isCloseTo(3f, within(1e-6f));
        assertThat(out[3]).isCloseTo(3f, within(1e-6f));
    }

    @Test
    void multislerpOfTwoOrthogonalUnitVectorsIsTheMidpoint() {
        float[] out = merge("multislerp", Inputs.input(null, List.of(vec("a", 1, 0), vec("b", 0, 1)), Map.of(),
                List.of(w(1), w(1))));
        assertThat(out[0]).isCloseTo(R, within(1e-6f));
        assertThat(out[1]).isCloseTo(R, within(1e-6f));
    }

    @Test
    void multislerpScalesByWeightedNorm() {
        // (2,0) and (0,2) with equal weights: midpoint direction, weighted mean norm 2
        float[] out = merge("multislerp", Inputs.input(null, List.of(vec("a", 2, 0), vec("b", 0, 2)), Map.of(),
                List.of(w(1), w(1))));
        assertThat(out[0]).isCloseTo(2 * R, within(1e-5f));
        assertThat(out[1]).isCloseTo(2 * R, within(1e-5f));
    }

    @Test
    void multislerpOfOppositeVectorsFallsBackToLinearForTwo() {
        // unit vectors cancel: weighted sum 0.5*(1,0) + 0.5*(-1,0) = (0, 0)
        float[] out = merge("multislerp", Inputs.input(null, List.of(vec("a", 1, 0), vec("b", -1, 0)), Map.of(),
                List.of(w(1), w(1))));
        assertThat(out).containsExactly(0f, 0f);
    }

    @Test
    void multislerpOfCancellingThreeIsAnError() {
        MergeInput<TensorValues> in = Inputs.input(null, List.of(vec("a", 1, 0), vec("b", -1, 0), vec("c", 1, 0)), Map.of(),
                List.of(w(1), w(2), w(1)));
        assertThatThrownBy(() -> merge("multislerp", in)).isInstanceOf(CrucibleException.class)
                .hasMessageContaining("directions cancel out");
    }

    @Test
    void karcherOfOrthogonalVectorsIsTheMidpointScaledByMeanNorm() {
        // directions (1,0) and (0,1) -> (0.7071, 0.7071); mean norm (1 + 3) / 2 = 2
        float[] out = merge("karcher", Inputs.input(null, List.of(vec("a", 1, 0), vec("b", 0, 3)), Map.of(),
                List.of(Map.of(), Map.of())));
        assertThat(out[0]).isCloseTo(2 * R, within(1e-5f));
        assertThat(out[1]).isCloseTo(2 * R, within(1e-5f));
    }

    @Test
    void karcherOfThreeUnequalDirectionsConvergesToTheSphericalMean() {
        // symmetric about (1,1,1): the Karcher mean of e1, e2, e3 is (1,1,1)/sqrt(3), mean norm 1
        float[] out = merge("karcher", Inputs.input(vec("base", 1, 0, 0), List.of(vec("a", 0, 1, 0), vec("b", 0, 0, 1)),
                Map.of("max_iter", 50.0), List.of(Map.of(), Map.of())));
        float c = (float) (1 / Math.sqrt(3));
        assertThat(out[0]).isCloseTo(c, within(1e-5f));
        assertThat(out[1]).isCloseTo(c, within(1e-5f));
        assertThat(out[2]).isCloseTo(c, within(1e-5f));
    }

    @Test
    void karcherRejectsFractionalIterations() {
        assertThatThrownBy(() -> new KarcherMerge().validate(new MergeParameters(Map.of("max_iter", 2.5), List.of())))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("max_iter");
    }

    @Test
    void nearswapTakesTheOtherModelWhereItIsClose() {
        // t = 0.1; |a-b| = 0.05, 1, 0.2 -> w = 1, 0.1, 0.5 -> out = (0.05, 0.1, -0.1)
        float[] out = merge("nearswap", Inputs.input(vec("base", 0, 0, 0), List.of(vec("a", 0.05f, 1, -0.2f)),
                Map.of("t", 0.1), List.of(Map.of())));
        assertThat(out[0]).isCloseTo(0.05f, within(1e-7f));
        assertThat(out[1]).isCloseTo(0.1f, within(1e-7f));
        assertThat(out[2]).isCloseTo(-0.1f, within(1e-7f));
    }

    @Test
    void nearswapRejectsNonPositiveT() {
        MergeParameters p = new MergeParameters(Map.of("t", 0.0), List.of(Map.of()));
        assertThatThrownBy(() -> new NearSwapMerge().validate(p)).isInstanceOf(CrucibleException.class)
                .hasMessage("nearswap: t must be a positive number (got 0.0)");
    }

    @Test
    void passthroughCopiesAndScales() {
        float[] out = merge("passthrough", Inputs.input(null, List.of(vec("a", 1, -2)), Map.of(),
                List.of(Map.of("scale", 0.5))));
        assertThat(out).containsExactly(0.5f, -1f);
    }

    @Test
    void passthroughRejectsTwoSources() {
        MergeParameters p = new MergeParameters(Map.of(), List.of(Map.of(), Map.of()));
        assertThatThrownBy(() -> new PassthroughMerge().validate(p)).isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("passthrough: each output tensor takes exactly one source, got 2");
    }
}
