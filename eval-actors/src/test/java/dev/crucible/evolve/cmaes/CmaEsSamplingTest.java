package dev.crucible.evolve.cmaes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The eigendecomposition and the sampler agree with the plain definitions C = B D^2 B^T and y ~ N(0, C). */
class CmaEsSamplingTest {

    private static void generation(CmaEs es) {
        List<Evaluation> results = new ArrayList<>();
        for (Candidate c : es.ask()) {
            double[] x = c.x();
            results.add(Evaluation.of(c.id(), x[0] * x[0] + 30 * x[1] * x[1] + 5 * (x[1] - x[2]) * (x[1] - x[2])));
        }
        es.tell(results);
    }

    @Test
    void eigenBasisIsOrthonormalAndReconstructsTheCovariance() {
        // n = 3 with the default population refreshes the decomposition after every generation.
        CmaEs es = CmaEs.create(CmaEsConfig.of(new double[] {1, 1, 1}, 0.5, 13));
        for (int g = 0; g < 15; g++) {
            generation(es);
        }
        CmaEsState s = es.state();
        double[][] b = s.eigenBasis();
        double[] d = s.axisLengths();
        double[][] c = s.covariance();
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double reconstructed = 0;
                double gram = 0;
                for (int k = 0; k < 3; k++) {
                    reconstructed += b[i][k] * d[k] * d[k] * b[j][k];
                    gram += b[k][i] * b[k][j];
                }
                assertThat(reconstructed).isCloseTo(c[i][j], within(1e-12 * Math.abs(c[i][i] + c[j][j])));
                assertThat(gram).isCloseTo(i == j ? 1 : 0, within(1e-12));
            }
        }
        assertThat(c[1][2]).isPositive();
    }

    @Test
    void sampledStepsFollowTheLearntCovariance() {
        CmaEs es = CmaEs.create(CmaEsConfig.of(new double[] {1, 1, 1}, 0.5, 13).withPopulationSize(5_000));
        for (int g = 0; g < 3; g++) {
            generation(es);
        }
        es.ask();
        CmaEsState s = es.state();
        double[][] expected = s.covariance();
        // A sampler that ignored C would fail: three large generations already make C strongly anisotropic.
        assertThat(expected[0][0]).isGreaterThan(4 * expected[1][1]);
        double[][] empirical = new double[3][3];
        for (PendingSample p : s.pending()) {
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    empirical[i][j] += (p.raw()[i] - s.mean()[i]) * (p.raw()[j] - s.mean()[j]) / (s.sigma() * s.sigma());
                }
            }
        }
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double scale = Math.sqrt(expected[i][i] * expected[j][j]);
                assertThat(empirical[i][j] / s.pending().size()).isCloseTo(expected[i][j], within(0.1 * scale));
            }
        }
    }
}
