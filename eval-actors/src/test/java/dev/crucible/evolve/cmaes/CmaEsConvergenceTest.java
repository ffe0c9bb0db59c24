package dev.crucible.evolve.cmaes;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Evaluation counts against the figures published for Hansen's reference implementation
 * (sphere 10-D to 1e-10: about 1,500; Rosenbrock 10-D to 1e-8: about 6,000 to 7,000).
 */
class CmaEsConvergenceTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void sphereTenDimensionsReachesOneEMinusTenWithinPublishedBudget(long seed) {
        CmaEs es = Benchmarks.minimise(CmaEs.create(CmaEsConfig.of(Benchmarks.filled(10, 1), 0.5, seed)),
                Benchmarks::sphere, 1e-10, 100_000);

        assertThat(es.best().fitness()).isLessThanOrEqualTo(1e-10);
        assertThat(es.evaluations()).isLessThan(2_500);
        assertThat(Benchmarks.sphere(es.best().x())).isEqualTo(es.best().fitness());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void rosenbrockTenDimensionsReachesOneEMinusEightWithinBudget(long seed) {
        CmaEs es = Benchmarks.minimise(CmaEs.create(CmaEsConfig.of(Benchmarks.filled(10, 0), 0.5, seed)),
                Benchmarks::rosenbrock, 1e-8, 100_000);

        assertThat(es.best().fitness()).isLessThanOrEqualTo(1e-8);
        assertThat(es.evaluations()).isLessThan(12_000);
        for (double v : es.best().x()) {
            assertThat(v).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 5})
    void rastriginFiveDimensionsFindsGlobalOptimumWithIpopRestarts(long seed) {
        CmaEsConfig config = CmaEsConfig.of(Benchmarks.filled(5, 3), 2, seed)
                .withBounds(Benchmarks.filled(5, -5.12), Benchmarks.filled(5, 5.12))
                .withMaxRestarts(9);
        CmaEs es = Benchmarks.minimise(CmaEs.create(config), Benchmarks::rastrigin, 1e-6, 100_000);

        assertThat(es.best().fitness()).isLessThan(1e-6);
        assertThat(es.restarts()).isGreaterThan(0);
        assertThat(es.populationSize()).isEqualTo(StrategyParameters.defaultPopulationSize(5) << es.restarts());
    }

    @org.junit.jupiter.api.Test
    void separableVariantSolvesIllConditionedEllipsoidInFortyDimensions() {
        CmaEsConfig config = CmaEsConfig.of(Benchmarks.filled(40, 1), 1, 7).withSeparable(true);
        CmaEs es = Benchmarks.minimise(CmaEs.create(config), Benchmarks::ellipsoid, 1e-10, 40_000);

        assertThat(es.best().fitness()).isLessThanOrEqualTo(1e-10);
        assertThat(es.state().covariance()).isNull();
        assertThat(es.state().diagonalCovariance()).hasSize(40);
    }

    @org.junit.jupiter.api.Test
    void fullCovarianceLearnsIllConditionedEllipsoid() {
        CmaEs es = Benchmarks.minimise(CmaEs.create(CmaEsConfig.of(Benchmarks.filled(10, 1), 1, 3)),
                Benchmarks::ellipsoid, 1e-10, 20_000);

        assertThat(es.best().fitness()).isLessThanOrEqualTo(1e-10);
        double[] axes = es.state().axisLengths();
        double max = java.util.Arrays.stream(axes).max().orElseThrow();
        double min = java.util.Arrays.stream(axes).min().orElseThrow();
        // The learnt axis ratio approaches the inverse square root of the 1e6 Hessian condition.
        assertThat(max / min).isGreaterThan(300);
    }

    @org.junit.jupiter.api.Test
    void sphereRunStopsOnATolerance() {
        CmaEs es = Benchmarks.minimise(CmaEs.create(CmaEsConfig.of(Benchmarks.filled(4, 1), 0.5, 11)),
                Benchmarks::sphere, Double.NEGATIVE_INFINITY, 50_000);

        assertThat(es.isStopped()).isTrue();
        assertThat(es.stopReason()).isIn(StopReason.TOL_FUN, StopReason.TOL_X);
        assertThat(es.best().fitness()).isLessThan(1e-11);
    }

    @org.junit.jupiter.api.Test
    void stopsWithMaxRestartsAfterConfiguredRestartsAndDoublesPopulation() {
        CmaEsConfig config = CmaEsConfig.of(Benchmarks.filled(3, 1), 0.5, 2).withMaxRestarts(2).withTolerances(1e-6, 1e-6);
        CmaEs es = Benchmarks.minimise(CmaEs.create(config), Benchmarks::sphere, Double.NEGATIVE_INFINITY, 50_000);

        assertThat(es.isStopped()).isTrue();
        assertThat(es.stopReason()).isEqualTo(StopReason.MAX_RESTARTS);
        assertThat(es.lastRunStopReason()).isNotIn(StopReason.RUNNING, StopReason.MAX_RESTARTS);
        assertThat(es.restarts()).isEqualTo(2);
        assertThat(es.populationSize()).isEqualTo(4 * StrategyParameters.defaultPopulationSize(3));
    }
}
