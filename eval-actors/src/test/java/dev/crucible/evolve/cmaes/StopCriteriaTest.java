package dev.crucible.evolve.cmaes;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Each termination criterion on a hand-made state in two dimensions with population 6 (so the TolFun window is
 * 10 + ceil(30 * 2 / 6) = 20 generations and stagnation is looked for from generation 120 + 10 = 130 on).
 */
class StopCriteriaTest {

    private static final int LAMBDA = 6;
    private static final CmaEsConfig CONFIG = CmaEsConfig.of(new double[] {1, 1}, 1, 1).withTolerances(1e-12, 5e-12);
    private static final double[] MEAN = {1, 1};
    private static final double[] NO_PATH = {0, 0};
    private static final double[] NO_FITNESS = new double[LAMBDA];
    private static final boolean[] NONE_USABLE = new boolean[LAMBDA];

    private static StopReason check(StopCriteria criteria, int runGeneration, double[] mean, double sigma) {
        return criteria.check(runGeneration, LAMBDA, mean, sigma, NO_PATH, Covariance.identity(2, false),
                NO_FITNESS, NONE_USABLE);
    }

    @Test
    void aStepSizeBelowTolXStopsTheRun() {
        assertThat(check(new StopCriteria(CONFIG), 5, MEAN, 1e-13)).isEqualTo(StopReason.TOL_X);
    }

    @Test
    void aStepSizeGrownTenThousandFoldOverSigma0StopsTheRun() {
        assertThat(check(new StopCriteria(CONFIG), 5, MEAN, 2e4)).isEqualTo(StopReason.TOL_X_UP);
    }

    @Test
    void twentyGenerationsOfTheSameBestFitnessStopTheRunWithTolFun() {
        StopCriteria criteria = new StopCriteria(CONFIG);
        for (int g = 0; g < 19; g++) {
            criteria.record(1.0, 1.0);
        }
        assertThat(check(criteria, 19, MEAN, 0.5)).isNull();
        criteria.record(1.0, 1.0);
        assertThat(check(criteria, 20, MEAN, 0.5)).isEqualTo(StopReason.TOL_FUN);
    }

    @Test
    void aSearchThatStillImprovesGoesOn() {
        StopCriteria criteria = new StopCriteria(CONFIG);
        for (int g = 0; g < 200; g++) {
            criteria.record(-g, -g + 0.5);
        }
        assertThat(check(criteria, 200, MEAN, 0.5)).isNull();
    }

    @Test
    void aMeanTooLargeForATenthOfAStepToMoveItStopsWithNoEffectAxis() {
        assertThat(check(new StopCriteria(CONFIG), 5, new double[] {1e20, 1e20}, 1)).isEqualTo(StopReason.NO_EFFECT_AXIS);
    }

    @Test
    void bestAndMedianFitnessGettingWorseOverTheLastGenerationsStopWithStagnation() {
        StopCriteria criteria = new StopCriteria(CONFIG);
        for (int g = 0; g < 130; g++) {
            criteria.record(g, g + 0.5);
        }
        assertThat(check(criteria, 129, MEAN, 0.5)).isNull();
        assertThat(check(criteria, 130, MEAN, 0.5)).isEqualTo(StopReason.STAGNATION);
    }

    @Test
    void aNewRunForgetsTheHistoryAndASnapshotRestoresIt() {
        StopCriteria criteria = new StopCriteria(CONFIG);
        criteria.record(3, 4);
        StopCriteria restored = new StopCriteria(CONFIG);
        restored.restore(criteria.bestHistory(), criteria.medianHistory());
        assertThat(restored.bestHistory()).containsExactly(3);
        assertThat(restored.medianHistory()).containsExactly(4);

        criteria.clear();
        assertThat(criteria.bestHistory()).isEmpty();
    }
}
