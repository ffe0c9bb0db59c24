package dev.crucible.merge.methods;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethods;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.MergeRandom;
import dev.crucible.merge.TensorValues;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.crucible.merge.methods.Inputs.input;
import static dev.crucible.merge.methods.Inputs.mat;
import static dev.crucible.merge.methods.Inputs.merge;
import static dev.crucible.merge.methods.Inputs.vec;
import static dev.crucible.merge.methods.Inputs.w;
import static dev.crucible.merge.methods.Inputs.wd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TaskArithmeticFamilyTest {

    private static final TensorValues BASE = vec("base", 1, 2, 3);
    // d1 = [1, 0, 2], d2 = [-1, 2, 0]
    private static final TensorValues X1 = vec("a", 2, 2, 5);
    private static final TensorValues X2 = vec("b", 0, 4, 3);

    @Test
    void taskArithmeticAddsWeightedDeltas() {
        // mixed = 1*d1 + 0.5*d2 = [0.5, 1, 2]; out = b + mixed = [1.5, 3, 5]
        float[] out = merge("task_arithmetic", input(BASE, List.of(X1, X2), Map.of(), List.of(w(1), w(0.5))));
        assertThat(out).containsExactly(1.5f, 3f, 5f);
    }

    @Test
    void lambdaScalesTheMixedDelta() {
        // 2 * [0.5, 1, 2] = [1, 2, 4]; out = [2, 4, 7]
        float[] out = merge("task_arithmetic", input(BASE, List.of(X1, X2), Map.of("lambda", 2.0), List.of(w(1), w(0.5))));
        assertThat(out).containsExactly(2f, 4f, 7f);
    }

    @Test
    void normalizeDividesBySummedWeights() {
        // [0.5, 1, 2] / 1.5 = [1/3, 2/3, 4/3]; out = [4/3, 8/3, 13/3]
        float[] out = merge("task_arithmetic",
                input(BASE, List.of(X1, X2), Map.of("normalize", true), List.of(w(1), w(0.5))));
        assertThat(out[0]).isCloseTo(4f / 3, within(1e-6f));
        assertThat(out[1]).isCloseTo(8f / 3, within(1e-6f));
        assertThat(out[2]).isCloseTo(13f / 3, within(1e-6f));
    }

    @Test
    void normalizeWithZeroWeightSumDividesByOne() {
        // weights 1 and -1 sum to 0 -> divisor 1: mixed = d1 - d2 = [2, -2, 2]
        float[] out = merge("task_arithmetic",
                input(BASE, List.of(X1, X2), Map.of("normalize", true), List.of(w(1), w(-1))));
        assertThat(out).containsExactly(3f, 0f, 5f);
    }

    @Test
    void tiesKeepsOnlyAgreeingSigns() {
        TensorValues b = vec("base", 0, 0, 0, 0);
        // sums [-2, -1, 4, 0] -> majority [-, -, +, + (0 counts as +)]
        // e0: only -3 agrees -> -3/1; e1: only -2 -> -2/1; e2: (3+1)/2 = 2; e3: zeros never match -> 0/1
        float[] out = merge("ties", input(b, List.of(vec("a", 1, -2, 3, 0), vec("b", -3, 1, 1, 0)), Map.of(),
                List.of(w(1), w(1))));
        assertThat(out).containsExactly(-3f, -2f, 2f, 0f);
    }

    @Test
    void tiesVotesOnWeightedDeltas() {
        TensorValues b = vec("base", 0);
        // weighted deltas 4*1 = 4 and 1*-3 = -3; sum +1 -> + wins; 4 / 4 = 1 (an unweighted vote would pick -3)
        float[] out = merge("ties", input(b, List.of(vec("a", 1), vec("b", -3)), Map.of(), List.of(w(4), w(1))));
        assertThat(out).containsExactly(1f);
    }

    @Test
    void tiesTrimsEachTaskVectorToItsTopDensity() {
        TensorValues b = vec("base", 1, 1, 1, 1);
        // density 0.5 of 4 -> k = 2. d1 = [0.1, -5, 3, 0.2] keeps -5, 3; d2 = [4, 0.1, -0.2, -6] keeps 4, -6.
        // Trimmed: [0, -5, 3, 0] and [4, 0, 0, -6]; no conflicts, each divisor 1: out = 1 + [4, -5, 3, -6]
        float[] out = merge("ties", input(b, List.of(vec("a", 1.1f, -4, 4, 1.2f), vec("b", 5, 1.1f, 0.8f, -5)),
                Map.of(), List.of(wd(1, 0.5), wd(1, 0.5))));
        assertThat(out).containsExactly(5f, -4f, 4f, -5f);
    }

    @Test
    void dareLinearRescalesKeptDeltasByL1Ratio() {
        int n = 64;
        float[] base = new float[n];
        float[] tuned = new float[n];
        for (int j = 0; j < n; j++) {
            base[j] = j * 0.01f;
            tuned[j] = base[j] + (j % 3 == 0 ? -1 : 1) * (j + 1) * 0.1f;
        }
        MergeInput<TensorValues> in = Inputs.input("t", vec("base", base), List.of(vec("a", tuned)), Map.of(), List.of(wd(1, 0.5)), 7L);
        float[] out = merge("dare_linear", in);
        // Reference: keep where uniform < density, multiply kept deltas by L1(d) / L1(kept).
        long key = MergeRandom.streamKey(7L, "t", 0);
        double l1 = 0;
        double l1Kept = 0;
        for (int j = 0; j < n; j++) {
            float d = tuned[j] - base[j];
            l1 += Math.abs(d);
            if (MergeRandom.uniform(key, j) < 0.5) {
                l1Kept += Math.abs(d);
            }
        }
        float scale = (float) (l1 / l1Kept);
        int kept = 0;
        for (int j = 0; j < n; j++) {
            boolean keep = MergeRandom.uniform(key, j) < 0.5;
            kept += keep ? 1 : 0;
            float expected = base[j] + (keep ? (tuned[j] - base[j]) * scale : 0f);
            assertThat(out[j]).isEqualTo(expected);
        }
        assertThat(kept).isBetween(16, 48);
    }

    @Test
    void dareWithoutRescaleJustDrops() {
        MergeInput<TensorValues> in = Inputs.input("t", vec("base", 0, 0, 0, 0, 0, 0, 0, 0),
                List.of(vec("a", 1, 2, 3, 4, 5, 6, 7, 8)), Map.of("rescale", false), List.of(wd(1, 0.5)), 3L);
        float[] out = merge("dare_linear", in);
        long key = MergeRandom.streamKey(3L, "t", 0);
        for (int j = 0; j < 8; j++) {
            assertThat(out[j]).isEqualTo(MergeRandom.uniform(key, j) < 0.5 ? j + 1 : 0f);
        }
    }

    @Test
    void fullDensityDareTiesEqualsTiesWithoutNormalisation() {
        TensorValues b = vec("base", 0, 0, 0);
        List<TensorValues> models = List.of(vec("a", 1, -2, 3), vec("b", -3, 1, 1));
        float[] dare = merge("dare_ties", input(b, models, Map.of(), List.of(w(1), w(1))));
        float[] ties = merge("ties", input(b, models, Map.of("normalize", false), List.of(w(1), w(1))));
        // sums [-2, -1, 4]: e0 -> -3; e1 -> -2; e2 -> 3 + 1 = 4 (not normalised)
        assertThat(dare).containsExactly(-3f, -2f, 4f).isEqualTo(ties);
    }

    @Test
    void breadcrumbsDropsOutliersAndSmallest() {
        float[] d = {1, -2, 3, -4, 5, -6, 7, -8, 9, -10};
        // n 10, density 0.5 -> keep 5, gamma 0.1 -> n_top 1, n_bot 4: ranks [4, 9) = |d| 5..9 survive
        float[] out = merge("breadcrumbs", input(vec("base", new float[10]), List.of(vec("a", d)), Map.of(),
                List.of(Map.of("weight", 1.0, "density", 0.5, "gamma", 0.1))));
        assertThat(out).containsExactly(0, 0, 0, 0, 5, -6, 7, -8, 9, 0);
    }

    @Test
    void breadcrumbsWithNoOutliersKeepsTheTop() {
        float[] d = {1, -2, 3, -4, 5, -6, 7, -8, 9, -10};
        // gamma 0 -> n_top 0: intended behaviour keeps ranks [5, 10) (mergekit would zero everything)
        float[] out = merge("breadcrumbs", input(vec("base", new float[10]), List.of(vec("a", d)), Map.of(),
                List.of(Map.of("weight", 1.0, "density", 0.5, "gamma", 0.0))));
        assertThat(out).containsExactly(0, 0, 0, 0, 0, -6, 7, -8, 9, -10);
    }

    @Test
    void breadcrumbsShrinksTopWhenKeepAndTopOverlap() {
        float[] d = {1, 2, 3, 4};
        // density 0.9 -> keep 3, gamma 0.5 -> top 2, bot = 4 - 3 - 2 = -1 -> top 1, bot 0: ranks [0, 3)
        float[] out = merge("breadcrumbs", input(vec("base", new float[4]), List.of(vec("a", d)), Map.of(),
                List.of(Map.of("weight", 1.0, "density", 0.9, "gamma", 0.5))));
        assertThat(out).containsExactly(1, 2, 3, 0);
    }

    @Test
    void dellaWithZeroEpsilonMatchesDare() {
        float[] base = new float[200];
        float[] a = new float[200];
        float[] b = new float[200];
        for (int j = 0; j < 200; j++) {
            a[j] = (float) Math.sin(j);
            b[j] = (float) Math.cos(j * 0.7);
        }
        List<TensorValues> models = List.of(vec("a", a), vec("b", b));
        Map<String, Object> pa = Map.of("weight", 1.0, "density", 0.4, "epsilon", 0.0);
        Map<String, Object> pb = Map.of("weight", 0.5, "density", 0.4, "epsilon", 0.0);
        float[] della = merge("della_linear", Inputs.input("t", vec("base", base), models, Map.of(), List.of(pa, pb), 9L));
        float[] dare = merge("dare_linear", Inputs.input("t", vec("base", base), models, Map.of(),
                List.of(wd(1, 0.4), wd(0.5, 0.4)), 9L));
        assertThat(della).isEqualTo(dare);
    }

    @Test
    void dellaVotesAndNormalisesLikeDareTiesWithNormalize() {
        // With epsilon 0 every element is kept with probability density, exactly DARE's mask for the same
        // seed; della then differs from dare_ties only by normalising (its default).
        float[] base = new float[100];
        float[] a = new float[100];
        float[] b = new float[100];
        for (int j = 0; j < 100; j++) {
            a[j] = (float) Math.sin(j * 1.3);
            b[j] = (float) Math.cos(j * 0.3);
        }
        List<TensorValues> models = List.of(vec("a", a), vec("b", b));
        Map<String, Object> p = Map.of("weight", 1.0, "density", 0.5, "epsilon", 0.0);
        float[] della = merge("della", Inputs.input("t", vec("base", base), models, Map.of(), List.of(p, p), 4L));
        float[] dare = merge("dare_ties", Inputs.input("t", vec("base", base), models, Map.of("normalize", true),
                List.of(wd(1, 0.5), wd(1, 0.5)), 4L));
        assertThat(della).isEqualTo(dare);
    }

    @Test
    void breadcrumbsTiesVotesAfterDroppingOutliers() {
        // n 5, density 0.6 -> keep 3, gamma 0.2 -> top 1, bottom 1: ranks [1, 4).
        // d1 = [10, 1, 2, 3, 4] keeps 2, 3, 4 (drops 1 and outlier 10): [0, 0, 2, 3, 4]
        // d2 = [-1, -2, -3, -4, -50] keeps -2, -3, -4: [0, -2, -3, -4, 0]
        // sums [0, -2, -1, -1, 4] -> e0 nothing (zeros never match) 0; e1 -2; e2 -3; e3 -4; e4 4
        Map<String, Object> p = Map.of("weight", 1.0, "density", 0.6, "gamma", 0.2);
        float[] out = merge("breadcrumbs_ties", input(vec("base", 0, 0, 0, 0, 0),
                List.of(vec("a", 10, 1, 2, 3, 4), vec("b", -1, -2, -3, -4, -50)), Map.of(), List.of(p, p)));
        assertThat(out).containsExactly(0f, -2f, -3f, -4f, 4f);
    }

    @Test
    void embeddingTaskVectorsAreCutToTheBaseVocab() {
        TensorValues b = mat("base", 2, 2, 0, 0, 0, 0);
        TensorValues bigger = mat("a", 3, 2, 1, 2, 3, 4, 5, 6);
        MergeInput<TensorValues> in = Inputs.input("model.embed_tokens.weight", b, List.of(bigger), Map.of(), List.of(w(1)), 1L);
        assertThat(merge("task_arithmetic", in)).containsExactly(1, 2, 3, 4);
    }

    @Test
    void otherShapeMismatchSkipsThatModel() {
        TensorValues b = mat("base", 2, 2, 0, 0, 0, 0);
        MergeInput<TensorValues> in = Inputs.input("model.layers.0.mlp.up_proj.weight", b,
                List.of(mat("a", 3, 2, 1, 2, 3, 4, 5, 6), mat("b", 2, 2, 1, 1, 1, 1)), Map.of(), List.of(w(1), w(1)), 1L);
        assertThat(merge("task_arithmetic", in)).containsExactly(1, 1, 1, 1);
    }

    @Test
    void validateRequiresWeight() {
        MergeParameters p = new MergeParameters(Map.of(), List.of(Map.of("density", 0.5)), List.of("expert-add"));
        assertThatThrownBy(() -> MergeMethods.byName("ties").orElseThrow().validate(p))
                .isInstanceOf(CrucibleException.class)
                .hasMessage("ties: parameter 'weight' is required for model expert-add;"
                        + " add it under that model's parameters or the top-level parameters");
    }

    @Test
    void validateRejectsDensityAboveOne() {
        MergeParameters p = new MergeParameters(Map.of(), List.of(wd(1, 1.5)), List.of("expert-add"));
        assertThatThrownBy(() -> MergeMethods.byName("dare_ties").orElseThrow().validate(p))
                .isInstanceOf(CrucibleException.class)
                .hasMessageContaining("density must be between 0 and 1 for model expert-add");
    }

    @Test
    void validateRejectsDellaEpsilonAtLeastDensity() {
        MergeParameters p = new MergeParameters(Map.of(),
                List.of(Map.of("weight", 1.0, "density", 0.1, "epsilon", 0.15)), List.of("expert-add"));
        assertThatThrownBy(() -> MergeMethods.byName("della").orElseThrow().validate(p))
                .isInstanceOf(CrucibleException.class)
                .hasMessageStartingWith("della: density - epsilon must be > 0 for model expert-add (density 0.1, epsilon 0.15)");
    }

    @Test
    void validateRejectsDellaDensityPlusEpsilonReachingOne() {
        MergeParameters p = new MergeParameters(Map.of(),
                List.of(Map.of("weight", 1.0, "density", 0.9, "epsilon", 0.1)), List.of("m"));
        assertThatThrownBy(() -> MergeMethods.byName("della_linear").orElseThrow().validate(p))
                .isInstanceOf(CrucibleException.class)
                .hasMessageContaining("density + epsilon must be < 1 for model m");
    }

    @Test
    void validateRejectsNonBooleanFlag() {
        MergeParameters p = new MergeParameters(Map.of("normalize", 0.5), List.of(w(1)));
        assertThatThrownBy(() -> MergeMethods.byName("ties").orElseThrow().validate(p))
                .isInstanceOf(CrucibleException.class)
                .hasMessage("parameter 'normalize' must be true or false, got 0.5");
    }

    @Test
    void int8MaskIsAcceptedAndChangesNothing() {
        TensorValues b = vec("base", 0, 0, 0);
        List<TensorValues> models = List.of(vec("a", 1, -2, 3), vec("b", -3, 1, 1));
        float[] plain = merge("ties", input(b, models, Map.of(), List.of(w(1), w(1))));
        float[] masked = merge("ties", input(b, models, Map.of("int8_mask", true), List.of(w(1), w(1))));
        assertThat(masked).isEqualTo(plain);
    }
}
