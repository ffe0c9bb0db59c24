package dev.crucible.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WilsonIntervalTest {

    // Reference values: statsmodels proportion_confint(method="wilson"); 485/500 from the roots of (p^ - p)^2 = z^2 p (1 - p) / n.

    @Test
    void halfOfTen() {
        ConfidenceInterval ci = WilsonInterval.of(5, 10);
        assertThat(ci.low()).isCloseTo(0.236593, within(1e-6));
        assertThat(ci.high()).isCloseTo(0.763407, within(1e-6));
    }

    @Test
    void ninetySevenPercentOfFiveHundred() {
        ConfidenceInterval ci = WilsonInterval.of(485, 500);
        assertThat(ci.low()).isCloseTo(0.951096, within(1e-6));
        assertThat(ci.high()).isCloseTo(0.981737, within(1e-6));
    }

    @Test
    void noSuccessesStartsAtZero() {
        ConfidenceInterval ci = WilsonInterval.of(0, 10);
        assertThat(ci.low()).isZero();
        assertThat(ci.high()).isCloseTo(0.277533, within(1e-6));
    }

    @Test
    void allSuccessesEndsAtOne() {
        ConfidenceInterval ci = WilsonInterval.of(10, 10);
        assertThat(ci.low()).isCloseTo(0.722467, within(1e-6));
        assertThat(ci.high()).isEqualTo(1.0);
    }

    @Test
    void emptySampleHasNoInterval() {
        assertThat(WilsonInterval.of(0, 0)).isEqualTo(ConfidenceInterval.NONE);
    }
}
