package dev.crucible.evolve.cmaes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The generator reproduces the published reference sequences and resumes exactly from its state. */
class Xoshiro256StarStarTest {

    @Test
    void matchesReferenceOutputForStateOneTwoThreeFour() {
        Xoshiro256StarStar rng = Xoshiro256StarStar.restore(new long[] {1, 2, 3, 4}, false, 0);

        assertThat(rng.nextLong()).isEqualTo(11520L);
        assertThat(rng.nextLong()).isEqualTo(0L);
        assertThat(rng.nextLong()).isEqualTo(1509978240L);
        assertThat(rng.nextLong()).isEqualTo(1215971899390074240L);
    }

    @Test
    void splitMixSeedingMatchesReferenceOutput() {
        long[] x = {0};
        assertThat(Xoshiro256StarStar.splitMix64(x)).isEqualTo(0xE220A8397B1DCDAFL);
        assertThat(Xoshiro256StarStar.splitMix64(x)).isEqualTo(0x6E789E6AA1B965F4L);
    }

    @Test
    void restoredGeneratorContinuesIdenticallyIncludingTheCachedGaussian() {
        Xoshiro256StarStar a = Xoshiro256StarStar.seeded(99);
        a.nextGaussian();
        Xoshiro256StarStar b = Xoshiro256StarStar.restore(a.state(), a.hasSpare(), a.spare());

        for (int i = 0; i < 101; i++) {
            assertThat(b.nextGaussian()).isEqualTo(a.nextGaussian());
        }
    }

    @Test
    void gaussiansHaveUnitMomentsAndUniformsStayInRange() {
        Xoshiro256StarStar rng = Xoshiro256StarStar.seeded(5);
        int count = 200_000;
        double sum = 0;
        double squares = 0;
        double minUniform = 1;
        double maxUniform = 0;
        for (int i = 0; i < count; i++) {
            double g = rng.nextGaussian();
            sum += g;
            squares += g * g;
            double u = rng.nextDouble();
            minUniform = Math.min(minUniform, u);
            maxUniform = Math.max(maxUniform, u);
        }
        assertThat(minUniform).isGreaterThanOrEqualTo(0.0);
        assertThat(maxUniform).isLessThan(1.0);
        assertThat(sum / count).isCloseTo(0, within(0.01));
        assertThat(squares / count).isCloseTo(1, within(0.01));
    }
}
