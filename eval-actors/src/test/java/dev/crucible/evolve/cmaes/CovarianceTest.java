package dev.crucible.evolve.cmaes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The covariance update and factorisation against hand-computed values: from C = I with keep = 0.5,
 * c1 = cmu = 0.25, pc = (2, 1) and steps (1, 0), (1, 2) weighted 0.5 each,
 * C = 0.5 I + 0.25 [[4, 2], [2, 1]] + 0.25 [[1, 1], [1, 2]] = [[1.75, 0.75], [0.75, 1.25]].
 */
class CovarianceTest {

    private static final double[] PATH = {2, 1};
    private static final double[][] STEPS = {{1, 0}, {1, 2}};
    private static final double[] WEIGHTS = {0.5, 0.5};
    private static final StrategyParameters PARAMS = StrategyParameters.of(2, 6, false);

    private static Covariance updated(boolean separable) {
        Covariance c = Covariance.identity(2, separable);
        c.update(0.5, 0.25, 0.25, PATH, STEPS, WEIGHTS);
        return c;
    }

    @Test
    void theFullModeLearnsTheWholeMatrixAndTheSeparableModeItsDiagonal() {
        Covariance full = updated(false);
        assertThat(full.matrix()[0]).containsExactly(new double[] {1.75, 0.75}, within(1e-15));
        assertThat(full.matrix()[1]).containsExactly(new double[] {0.75, 1.25}, within(1e-15));
        assertThat(full.diagonal()).isNull();

        Covariance diagonal = updated(true);
        assertThat(diagonal.diagonal()).containsExactly(new double[] {1.75, 1.25}, within(1e-15));
        assertThat(diagonal.matrix()).isNull();
        assertThat(diagonal.variance(1)).isEqualTo(full.variance(1));
    }

    @Test
    void aRefreshedFullCovarianceFactorsTheMatrixAndWhitensWithItsInverseRoot() {
        Covariance c = updated(false);
        c.refresh(1_000, PARAMS);

        // Eigenvalues of [[1.75, 0.75], [0.75, 1.25]]: 1.5 +- sqrt(0.25^2 + 0.75^2).
        double spread = Math.sqrt(0.0625 + 0.5625);
        double[] axes = c.axisLengths();
        Arrays.sort(axes);
        assertThat(axes).containsExactly(new double[] {Math.sqrt(1.5 - spread), Math.sqrt(1.5 + spread)}, within(1e-12));
        // The columns of B D, summed as outer products, give back C = B D^2 B^T.
        double[] col0 = c.scaleByRootC(new double[] {1, 0});
        double[] col1 = c.scaleByRootC(new double[] {0, 1});
        assertThat(col0[0] * col0[0] + col1[0] * col1[0]).isCloseTo(1.75, within(1e-12));
        assertThat(col0[0] * col0[1] + col1[0] * col1[1]).isCloseTo(0.75, within(1e-12));
        assertThat(col0[1] * col0[1] + col1[1] * col1[1]).isCloseTo(1.25, within(1e-12));
        // Whitening is C^(-1/2): twice applied to C x = (1.75 * 0.3 - 0.75 * 2, 0.75 * 0.3 - 1.25 * 2) it gives x.
        assertThat(c.whiten(c.whiten(new double[] {-0.975, -2.275}))).containsExactly(new double[] {0.3, -2}, within(1e-12));
    }

    @Test
    void theFullDecompositionWaitsUntilEnoughEvaluationsHavePassed() {
        // lambda / (c1 + cmu) / n / 10 evaluations between decompositions: more than 1 and less than 6 here.
        double gap = PARAMS.lambda() / (PARAMS.c1() + PARAMS.cmu()) / 2 / 10;
        assertThat(gap).isBetween(1.0, 6.0);
        Covariance c = updated(false);

        c.refresh(1, PARAMS);
        assertThat(c.axisLengths()).containsExactly(1, 1);
        assertThat(c.eigenUpdatedAt()).isZero();

        c.refresh(6, PARAMS);
        assertThat(c.axisLengths()[0]).isNotEqualTo(1);
        assertThat(c.eigenUpdatedAt()).isEqualTo(6);
    }

    @Test
    void theSeparableModeScalesEachCoordinateByItsStandardDeviation() {
        Covariance c = updated(true);
        c.refresh(1, PARAMS);

        assertThat(c.scaleByRootC(new double[] {1, 1})).containsExactly(new double[] {Math.sqrt(1.75), Math.sqrt(1.25)}, within(1e-15));
        assertThat(c.whiten(new double[] {Math.sqrt(1.75), 0})).containsExactly(new double[] {1, 0}, within(1e-15));
        assertThat(c.axisDirection(0, 0)).isEqualTo(1);
        assertThat(c.axisDirection(1, 0)).isZero();
    }
}
