package dev.crucible.evolve.cmaes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.error.CrucibleException;
import org.junit.jupiter.api.Test;

/** Invalid settings are reported as one-line user errors naming the field. */
class CmaEsConfigTest {

    private static final double[] X0 = {0.5, 0.5};

    @Test
    void rejectsEmptyStartAndNonPositiveSigma() {
        assertThatThrownBy(() -> CmaEsConfig.of(new double[0], 1, 1))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("cmaes.x0");
        assertThatThrownBy(() -> CmaEsConfig.of(X0, 0, 1))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("cmaes.sigma0");
        assertThatThrownBy(() -> CmaEsConfig.of(new double[] {Double.NaN}, 1, 1))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("cmaes.x0[0]");
    }

    @Test
    void rejectsBoundsOfWrongLengthInvertedOrExcludingTheStart() {
        CmaEsConfig base = CmaEsConfig.of(X0, 0.2, 1);
        assertThatThrownBy(() -> base.withBounds(new double[] {0}, null))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("cmaes.lowerBounds has 1 values");
        assertThatThrownBy(() -> base.withBounds(new double[] {0, 1}, new double[] {1, 1}))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("bounds[1]");
        assertThatThrownBy(() -> base.withBounds(new double[] {0.6, 0}, null))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("cmaes.x0[0] = 0.5 lies outside");
    }

    @Test
    void rejectsTinyPopulationNegativeRestartsAndNegativeTolerances() {
        CmaEsConfig base = CmaEsConfig.of(X0, 0.2, 1);
        assertThatThrownBy(() -> base.withPopulationSize(1)).hasMessageContaining("cmaes.populationSize");
        assertThatThrownBy(() -> base.withMaxRestarts(-1)).hasMessageContaining("cmaes.maxRestarts");
        assertThatThrownBy(() -> base.withMaxRestarts(21)).hasMessageContaining("cmaes.maxRestarts is 21");
        assertThatThrownBy(() -> base.withTolerances(-1, 0)).hasMessageContaining("cmaes.tolFun");
    }

    @Test
    void copiesArraysSoCallersCannotChangeASearchAfterwards() {
        double[] x0 = {0.5, 0.5};
        CmaEsConfig config = CmaEsConfig.of(x0, 0.2, 1);
        x0[0] = 99;
        config.x0()[1] = 99;

        assertThat(config.x0()).containsExactly(0.5, 0.5);
        assertThat(config).isEqualTo(CmaEsConfig.of(new double[] {0.5, 0.5}, 0.2, 1));
    }

    @Test
    void explicitPopulationSizeIsUsed() {
        CmaEs es = CmaEs.create(CmaEsConfig.of(X0, 0.2, 1).withPopulationSize(12));
        assertThat(es.ask()).hasSize(12);
    }
}
