package dev.crucible.merge.kernels;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The vector TIES kernels against plain scalar definitions, bit for bit, on data full of edge cases. */
class TiesVectorsTest {

    private static final float[] SPECIALS = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, -Float.MIN_VALUE, 1f, -1f, 0.5f, Float.intBitsToFloat(0x7FC00123)};

    /** Random floats with many exact repeats and special values. */
    private static float[] values(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(10);
            v[i] = kind == 0 ? SPECIALS[random.nextInt(SPECIALS.length)]
                    : kind < 4 ? random.nextInt(-8, 9) * 0.25f : (float) random.nextGaussian();
        }
        return v;
    }

    private static int bits(float f) {
        return Float.floatToRawIntBits(f);
    }

    @Test
    void testsRunWithTheVectorModule() {
        assertThat(dev.crucible.tensor.FloatCodec.SIMD).isTrue();
    }

    @Property(tries = 200)
    void scoreAndCountMatchesTheScalarDefinition(@ForAll @IntRange(min = 0, max = 300) int n,
                                                 @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = values(random, n);
        float[] b = values(random, n);
        int lo = bits(0.25f);
        int hi = bits(1.5f);
        int heavy = bits(0.5f);
        int[] scores = new int[n];
        int[] band = new int[n];
        long[] counts = new long[5];
        int done = TiesVectors.scoreAndCount(x, b, n, scores, lo, hi, heavy, counts, band);
        java.util.List<Integer> expectedBand = new java.util.ArrayList<>();
        long up = 0;
        long equal = 0;
        long inBand = 0;
        boolean nan = false;
        for (int i = 0; i < done; i++) {
            int s = bits(x[i] - b[i]) & 0x7FFFFFFF;
            assertThat(scores[i]).as("score %d", i).isEqualTo(s);
            up += s > hi ? 1 : 0;
            equal += s == heavy ? 1 : 0;
            inBand += s >= lo && s <= hi ? 1 : 0;
            nan |= s > 0x7F800000;
            if (s >= lo && s <= hi && s != heavy) {
                expectedBand.add(s);
            }
        }
        assertThat(done).isGreaterThan(n - 16);
        assertThat(counts).containsExactly(up, equal, inBand, nan ? 1 : 0, expectedBand.size());
        assertThat(Arrays.copyOf(band, expectedBand.size())).containsExactly(
                expectedBand.stream().mapToInt(Integer::intValue).toArray());
    }

    @Property(tries = 200)
    void trimmedDeltaMatchesTheScalarDefinition(@ForAll @IntRange(min = 0, max = 300) int n, @ForAll long seed,
                                                @ForAll @IntRange(min = -1, max = 0x7F800001) int bound) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] d = values(random, n);
        float[] b = values(random, n);
        float w = random.nextBoolean() ? -0.75f : 1.25f;
        float[] expected = d.clone();
        int from = n == 0 ? 0 : random.nextInt(n);
        int done = TiesVectors.trimmedDelta(d, b, from, n, bound, w);
        for (int t = from; t < done; t++) {
            float delta = expected[t] - b[t];
            boolean kept = (bits(delta) & 0x7FFFFFFF) > bound;
            expected[t] = (kept ? delta : 0f) * w;
        }
        assertThat(Arrays.copyOfRange(d, from, done)).usingElementComparator(TiesVectorsTest::compareBits)
                .containsExactly(Arrays.copyOfRange(expected, from, done));
    }

    @Property(tries = 200)
    void consensusOfOneMatchesTheScalarDefinition(@ForAll @IntRange(min = 0, max = 300) int n, @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] wd = values(random, n);
        float[] b = values(random, n);
        float divisor = random.nextBoolean() ? 1f : -0.3f;
        float lambda = random.nextBoolean() ? 1f : -2f;
        float[] o = new float[n];
        int done = TiesVectors.consensusOfOne(wd, b, o, n, divisor, lambda);
        for (int t = 0; t < done; t++) {
            float v = wd[t];
            float mixed = (v > 0f || v < 0f) ? v / divisor : 0f;
            assertThat(bits(o[t])).as("element %d (wd %s, b %s)", t, v, b[t]).isEqualTo(bits(b[t] + mixed * lambda));
        }
    }

    @Property(tries = 200)
    void consensusMatchesTheScalarDefinition(@ForAll @IntRange(min = 0, max = 200) int n, @ForAll long seed,
                                             @ForAll @IntRange(min = 1, max = 4) int k, @ForAll boolean normalize) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] wd = new float[k][];
        float[] w = new float[k];
        for (int i = 0; i < k; i++) {
            wd[i] = values(random, n);
            w[i] = random.nextInt(4) == 0 ? 0f : (float) random.nextGaussian();
        }
        float[] b = values(random, n);
        float lambda = random.nextBoolean() ? 1f : 0.7f;
        float[] o = new float[n];
        int done = TiesVectors.consensus(wd, k, w, b, o, n, normalize, lambda);
        for (int t = 0; t < done; t++) {
            float sum = 0f;
            for (int i = 0; i < k; i++) {
                sum += wd[i][t];
            }
            boolean positive = sum >= 0f;
            float mixed = 0f;
            float divisor = 0f;
            for (int i = 0; i < k; i++) {
                float v = wd[i][t];
                if (positive ? v > 0f : v < 0f) {
                    mixed += v;
                    divisor += w[i];
                }
            }
            if (divisor == 0f) {
                divisor = 1f;
            }
            if (normalize) {
                mixed /= divisor;
            }
            assertThat(bits(o[t])).as("element %d", t).isEqualTo(bits(b[t] + mixed * lambda));
        }
        assertThat(done).isGreaterThan(n - 16);
    }

    private static int compareBits(Float a, Float b) {
        return Integer.compare(bits(a), bits(b));
    }
}
