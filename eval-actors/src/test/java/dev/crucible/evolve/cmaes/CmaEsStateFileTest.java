package dev.crucible.evolve.cmaes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * State files checked in under {@code src/test/resources} were written by the CMA-ES of December 2026 (format 1):
 * journals written then must keep resuming exactly, and saving must keep writing the same bytes.
 */
class CmaEsStateFileTest {

    /** Written after 6 generations on Rosenbrock and one more ask(): full covariance, a generation outstanding. */
    private static final String FULL = "full-state-v1.json";
    private static final CmaEsConfig FULL_CONFIG = CmaEsConfig.of(Benchmarks.filled(3, 0), 0.5, 42);

    /** Written 5 generations after the first IPOP restart (400 generations): separable, bounded, a -Infinity bound. */
    private static final String SEPARABLE = "separable-state-v1.json";
    private static final CmaEsConfig SEPARABLE_CONFIG = CmaEsConfig.of(Benchmarks.filled(3, 3), 2, 8)
            .withBounds(new double[] {-5.12, Double.NEGATIVE_INFINITY, -5.12}, Benchmarks.filled(3, 5.12))
            .withSeparable(true)
            .withMaxRestarts(3)
            .withTolerances(1e-3, 1e-3);

    @TempDir
    Path dir;

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(CmaEsStateFileTest.class.getResource(name).toURI());
    }

    private static void step(CmaEs es) {
        List<Evaluation> results = new ArrayList<>();
        for (Candidate c : es.ask()) {
            results.add(Evaluation.of(c.id(), Benchmarks.rosenbrock(c.x())));
        }
        es.tell(results);
    }

    private static void assertResumesLikeAStraightSearch(CmaEs loaded, CmaEsConfig config, int generationsBefore) {
        CmaEs straight = CmaEs.create(config);
        for (int g = 0; g < generationsBefore; g++) {
            step(straight);
        }
        assertThat(loaded.generation()).isEqualTo(straight.generation());
        assertThat(loaded.ask()).isEqualTo(straight.ask());
        for (int g = 0; g < 10; g++) {
            step(loaded);
            step(straight);
        }
        assertThat(loaded.ask()).isEqualTo(straight.ask());
        assertThat(loaded.best()).isEqualTo(straight.best());
        assertThat(loaded.sigma()).isEqualTo(straight.sigma());
        assertThat(loaded.restarts()).isEqualTo(straight.restarts());
    }

    @Test
    void aFullCovarianceStateFileOfFormat1ResumesTheSearchExactly() throws Exception {
        assertResumesLikeAStraightSearch(CmaEsStateFile.load(fixture(FULL)), FULL_CONFIG, 6);
    }

    @Test
    void aSeparableStateFileOfFormat1WrittenAfterARestartResumesTheSearchExactly() throws Exception {
        CmaEs loaded = CmaEsStateFile.load(fixture(SEPARABLE));
        assertThat(loaded.restarts()).isEqualTo(1);
        assertResumesLikeAStraightSearch(loaded, SEPARABLE_CONFIG, 400);
    }

    @Test
    void savingALoadedStateFileOfFormat1WritesTheSameBytes() throws Exception {
        for (String name : List.of(FULL, SEPARABLE)) {
            Path copy = dir.resolve(name);
            CmaEsStateFile.save(CmaEsStateFile.load(fixture(name)), copy);
            assertThat(Files.readString(copy)).as(name).isEqualTo(Files.readString(fixture(name)));
        }
    }
}
