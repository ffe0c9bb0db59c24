package dev.crucible.evolve.cmaes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crucible.error.CrucibleException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exact resumption through state snapshots and files, and order independence of results. */
class CmaEsStateTest {

    @TempDir
    Path dir;

    private static List<Candidate> step(CmaEs es, ToDoubleFunction<double[]> f) {
        List<Candidate> asked = es.ask();
        List<Evaluation> results = new ArrayList<>();
        for (Candidate c : asked) {
            results.add(Evaluation.of(c.id(), f.applyAsDouble(c.x())));
        }
        es.tell(results);
        return asked;
    }

    private static void assertSameTrajectory(CmaEsConfig config, int generations,
            java.util.function.UnaryOperator<CmaEs> interrupt) {
        CmaEs straight = CmaEs.create(config);
        CmaEs resumed = CmaEs.create(config);
        List<Candidate> straightCandidates = new ArrayList<>();
        List<Candidate> resumedCandidates = new ArrayList<>();
        for (int g = 0; g < generations; g++) {
            straightCandidates.addAll(step(straight, Benchmarks::rosenbrock));
        }
        for (int g = 0; g < generations / 2; g++) {
            resumedCandidates.addAll(step(resumed, Benchmarks::rosenbrock));
        }
        resumed = interrupt.apply(resumed);
        for (int g = generations / 2; g < generations; g++) {
            resumedCandidates.addAll(step(resumed, Benchmarks::rosenbrock));
        }

        assertThat(resumedCandidates).isEqualTo(straightCandidates);
        assertThat(resumed.best()).isEqualTo(straight.best());
        assertThat(resumed.sigma()).isEqualTo(straight.sigma());
        assertThat(resumed.mean()).containsExactly(straight.mean());
    }

    @Test
    void saveAndLoadMidRunGivesBitIdenticalCandidatesAndBest() {
        CmaEsConfig config = CmaEsConfig.of(Benchmarks.filled(8, 0), 0.5, 42);
        Path file = dir.resolve("state.json");
        assertSameTrajectory(config, 20, es -> {
            CmaEsStateFile.save(es, file);
            return CmaEsStateFile.load(file);
        });
    }

    @Test
    void separableBoundedSearchWithRestartsResumesExactlyFromAFile() {
        CmaEsConfig config = CmaEsConfig.of(Benchmarks.filled(5, 3), 2, 8)
                .withBounds(new double[] {-5.12, -5.12, Double.NEGATIVE_INFINITY, -5.12, -5.12}, Benchmarks.filled(5, 5.12))
                .withSeparable(true)
                .withMaxRestarts(3)
                .withTolerances(1e-3, 1e-3);
        Path file = dir.resolve("nested/sep.json");
        assertSameTrajectory(config, 60, es -> {
            CmaEsStateFile.save(es, file);
            return CmaEsStateFile.load(file);
        });
    }

    @Test
    void restoreOfASnapshotTakenBetweenAskAndTellHandsOutTheSameCandidates() {
        CmaEs es = CmaEs.create(CmaEsConfig.of(Benchmarks.filled(4, 1), 1, 3));
        step(es, Benchmarks::sphere);
        List<Candidate> outstanding = es.ask();
        CmaEs restored = CmaEs.restore(es.state());

        assertThat(restored.ask()).isEqualTo(outstanding);
        step(es, Benchmarks::sphere);
        step(restored, Benchmarks::sphere);
        assertThat(restored.ask()).isEqualTo(es.ask());
    }

    @Test
    void tellingShuffledOutOfOrderResultsEqualsTellingInOrder() {
        CmaEsConfig config = CmaEsConfig.of(Benchmarks.filled(6, 0.5), 0.3, 17);
        CmaEs ordered = CmaEs.create(config);
        CmaEs shuffled = CmaEs.create(config);
        Random shuffle = new Random(1);
        for (int g = 0; g < 25; g++) {
            step(ordered, Benchmarks::rosenbrock);
            List<Candidate> asked = new ArrayList<>(shuffled.ask());
            Collections.shuffle(asked, shuffle);
            List<Evaluation> results = asked.parallelStream()
                    .map(c -> Evaluation.of(c.id(), Benchmarks.rosenbrock(c.x())))
                    .collect(java.util.stream.Collectors.toCollection(ArrayList::new));
            Collections.shuffle(results, shuffle);
            shuffled.tell(results);
        }

        assertThat(shuffled.ask()).isEqualTo(ordered.ask());
        assertThat(shuffled.best()).isEqualTo(ordered.best());
    }

    @Test
    void savedFileIsReplacedAtomicallyWithoutLeftovers() throws IOException {
        CmaEs es = CmaEs.create(CmaEsConfig.of(Benchmarks.filled(3, 1), 1, 3));
        Path file = dir.resolve("search.json");
        CmaEsStateFile.save(es, file);
        step(es, Benchmarks::sphere);
        CmaEsStateFile.save(es, file);

        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("search.json");
        }
        assertThat(CmaEsStateFile.load(file).generation()).isEqualTo(1);
    }

    @Test
    void unreadableOrInconsistentStateFilesGiveOneLineErrors() throws IOException {
        assertThatThrownBy(() -> CmaEsStateFile.load(dir.resolve("absent.json")))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("does not exist");
        Path garbage = Files.writeString(dir.resolve("garbage.json"), "{not json");
        assertThatThrownBy(() -> CmaEsStateFile.load(garbage))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("garbage.json").hasMessageNotContaining("\n");

        CmaEsState good = CmaEs.create(CmaEsConfig.of(Benchmarks.filled(3, 1), 1, 3)).state();
        CmaEsState broken = new CmaEsState(good.formatVersion(), good.config(), good.populationSize(), good.generation(),
                good.runGeneration(), good.evaluations(), good.runEvaluations(), good.restarts(),
                good.eigenUpdatedAtEvaluation(), good.nextCandidateId(), new double[2], good.sigma(), good.covariance(),
                good.diagonalCovariance(), good.eigenBasis(), good.axisLengths(), good.pathC(), good.pathSigma(),
                good.bestHistory(), good.medianHistory(), good.rngState(), good.hasSpareGaussian(),
                good.spareGaussian(), good.pending(), good.best(), good.stopped(), good.stopReason(),
                good.lastRunStopReason());
        assertThatThrownBy(() -> CmaEs.restore(broken))
                .isInstanceOf(CrucibleException.class).hasMessageContaining("mean must hold 3 values");
    }
}
