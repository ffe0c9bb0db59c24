package dev.crucible.evolve.cmaes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Default parameters match the values Hansen's reference implementations print for n = 10. */
class StrategyParametersTest {

    @Test
    void tenDimensionalDefaultsMatchTheTutorial() {
        StrategyParameters p = StrategyParameters.of(10, StrategyParameters.defaultPopulationSize(10), false);

        assertThat(p.lambda()).isEqualTo(10);
        assertThat(p.mu()).isEqualTo(5);
        assertThat(p.mueff()).isCloseTo(3.1672, within(1e-4));
        assertThat(p.cs()).isCloseTo((p.mueff() + 2) / (10 + p.mueff() + 5), within(1e-15));
        assertThat(p.c1()).isCloseTo(2 / (11.3 * 11.3 + p.mueff()), within(1e-15));
        assertThat(p.cmu()).isCloseTo(2 * (p.mueff() - 2 + 1 / p.mueff()) / (144 + p.mueff()), within(1e-15));
        assertThat(p.damps()).isCloseTo(1 + p.cs(), within(1e-15));
        // Exact E||N(0, I)|| for n = 10 is sqrt(2) Gamma(5.5) / Gamma(5) = 3.08432; the tutorial's series is within 5e-4.
        assertThat(p.chiN()).isCloseTo(3.08432, within(5e-4));
    }

    @Test
    void weightsArePositiveDecreasingAndSumToOne() {
        StrategyParameters p = StrategyParameters.of(7, 13, false);
        double sum = 0;
        for (int i = 0; i < p.mu(); i++) {
            sum += p.weights()[i];
            if (i > 0) {
                assertThat(p.weights()[i]).isLessThan(p.weights()[i - 1]);
            }
        }
        assertThat(p.mu()).isEqualTo(6);
        assertThat(p.weights()[p.mu() - 1]).isPositive();
        assertThat(sum).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void separableModeLearnsTheDiagonalFaster() {
        StrategyParameters full = StrategyParameters.of(40, 15, false);
        StrategyParameters sep = StrategyParameters.of(40, 15, true);

        assertThat(sep.c1()).isCloseTo(full.c1() * 42 / 3.0, within(1e-15));
        assertThat(sep.cmu()).isCloseTo(full.cmu() * 42 / 3.0, within(1e-15));
        assertThat(sep.c1() + sep.cmu()).isLessThanOrEqualTo(1.0);
    }

    @Test
    void defaultPopulationGrowsLogarithmically() {
        assertThat(StrategyParameters.defaultPopulationSize(1)).isEqualTo(4);
        assertThat(StrategyParameters.defaultPopulationSize(6)).isEqualTo(9);
        assertThat(StrategyParameters.defaultPopulationSize(100)).isEqualTo(17);
    }
}
