package dev.crucible.evolve.cmaes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bounds, failed evaluations and protocol misuse. */
class CmaEsRobustnessTest {

    @Test
    void everyAskedCandidateLiesInsideTheBox() {
        double[] lo = {0, 0, -1, 0.2, 0, 0};
        double[] hi = {1, 1, 1, 0.8, 1, 1};
        CmaEsConfig config = CmaEsConfig.of(new double[] {0.5, 0.5, 0, 0.5, 0.5, 0.5}, 3.0, 4).withBounds(lo, hi);
        CmaEs es = CmaEs.create(config);
        for (int g = 0; g < 60; g++) {
            List<Evaluation> results = new ArrayList<>();
            for (Candidate c : es.ask()) {
                double[] x = c.x();
                for (int i = 0; i < x.length; i++) {
                    assertThat(x[i]).isBetween(lo[i], hi[i]);
                }
                results.add(Evaluation.of(c.id(), Benchmarks.sphere(x)));
            }
            es.tell(results);
        }
    }

    @Test
    void findsOptimumLyingOnTheBounds() {
        // The unconstrained optimum is at (-1, ..., -1); the box [0, 2]^5 puts it on the lower corner.
        double[] shift = Benchmarks.filled(5, 1);
        CmaEsConfig config = CmaEsConfig.of(Benchmarks.filled(5, 1.5), 0.5, 9)
                .withBounds(Benchmarks.filled(5, 0), Benchmarks.filled(5, 2));
        CmaEs es = Benchmarks.minimise(CmaEs.create(config), x -> {
            double[] y = x.clone();
            for (int i = 0; i < y.length; i++) {
                y[i] += shift[i];
            }
            return Benchmarks.sphere(y);
        }, Double.NEGATIVE_INFINITY, 6_000);

        assertThat(es.best().fitness()).isCloseTo(5.0, org.assertj.core.data.Offset.offset(1e-9));
        for (double v : es.best().x()) {
            assertThat(v).isBetween(0.0, 1e-9);
        }
        for (double v : es.mean()) {
            assertThat(Math.abs(v)).isLessThan(1e-3);
        }
    }

    @Test
    void failedAndNonFiniteEvaluationsAreRankedWorstAndDoNotStopConvergence() {
        CmaEs es = CmaEs.create(CmaEsConfig.of(Benchmarks.filled(6, 2), 1, 21));
        int told = 0;
        while (es.evaluations() < 6_000 && !(es.hasBest() && es.best().fitness() < 1e-10)) {
            List<Evaluation> results = new ArrayList<>();
            for (Candidate c : es.ask()) {
                switch (told++ % 5) {
                    case 0 -> results.add(Evaluation.failure(c.id()));
                    case 1 -> results.add(Evaluation.of(c.id(), Double.NaN));
                    default -> results.add(Evaluation.of(c.id(), Benchmarks.sphere(c.x())));
                }
            }
            es.tell(results);
        }

        assertThat(es.best().fitness()).isLessThan(1e-10);
        for (double v : es.mean()) {
            assertThat(Double.isFinite(v)).isTrue();
        }
    }

    @Test
    void generationWithoutAnyUsableResultKeepsTheMeanAndShrinksSigma() {
        CmaEs es = CmaEs.create(CmaEsConfig.of(Benchmarks.filled(3, 1), 1, 5));
        double[] meanBefore = es.mean();
        double sigmaBefore = es.sigma();
        List<Evaluation> failures = es.ask().stream().map(c -> Evaluation.failure(c.id())).toList();
        es.tell(failures);

        assertThat(es.mean()).containsExactly(meanBefore);
        assertThat(es.sigma()).isEqualTo(sigmaBefore / 2);
        assertThat(es.hasBest()).isFalse();
        assertThatThrownBy(es::best).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void missingResultsCountAsFailedAndStrangersAreRejected() {
        CmaEs es = CmaEs.create(CmaEsConfig.of(Benchmarks.filled(3, 1), 1, 5));
        List<Candidate> asked = es.ask();
        assertThatThrownBy(() -> es.tell(List.of(Evaluation.of(asked.getLast().id() + 1, 1.0))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> es.tell(List.of(Evaluation.of(asked.get(0).id(), 1.0), Evaluation.of(asked.get(0).id(), 2.0))))
                .isInstanceOf(IllegalArgumentException.class);

        es.tell(List.of(Evaluation.of(asked.get(1).id(), 0.25)));

        assertThat(es.evaluations()).isEqualTo(asked.size());
        assertThat(es.best().fitness()).isEqualTo(0.25);
        assertThat(es.best().x()).containsExactly(asked.get(1).x());
        assertThat(es.best().evaluations()).isEqualTo(2);
    }

    @Test
    void askIsIdempotentUntilTellAndTellNeedsAnAsk() {
        CmaEs es = CmaEs.create(CmaEsConfig.of(Benchmarks.filled(3, 1), 1, 5));
        assertThatThrownBy(() -> es.tell(List.of())).isInstanceOf(IllegalStateException.class);
        List<Candidate> first = es.ask();

        assertThat(es.ask()).isEqualTo(first);
        assertThat(first).extracting(Candidate::id).doesNotHaveDuplicates();
        assertThat(first).allSatisfy(c -> assertThat(c.generation()).isZero());
    }

    @Test
    void askAfterStopIsRefused() {
        CmaEsConfig config = CmaEsConfig.of(Benchmarks.filled(2, 1), 0.5, 3).withTolerances(1e-3, 1e-3);
        CmaEs es = Benchmarks.minimise(CmaEs.create(config), Benchmarks::sphere, Double.NEGATIVE_INFINITY, 10_000);

        assertThat(es.isStopped()).isTrue();
        assertThatThrownBy(es::ask).isInstanceOf(IllegalStateException.class).hasMessageContaining("stopped");
    }
}
