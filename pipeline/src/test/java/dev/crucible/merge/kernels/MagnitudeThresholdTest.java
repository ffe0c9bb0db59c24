package dev.crucible.merge.kernels;

import dev.crucible.merge.ChunkWriter;
import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeMethods;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.StreamingMerge;
import dev.crucible.merge.TensorValues;
import dev.crucible.merge.sparsify.MagnitudeSparsifier;
import dev.crucible.tensor.FloatCodec;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one-pass trim threshold against the exact selection ({@link MagnitudeSparsifier#select}) element by
 * element, and the streamed TIES merge that uses it against the array merge bit for bit.
 */
class MagnitudeThresholdTest {

    // Over Chunks.PARALLEL_MIN and not a multiple of 64: parallel chunks and a ragged last mask word.
    private static final int BIG = 300_001;

    /** How the task vector's magnitudes are distributed. */
    enum Data {
        /** Distinct magnitudes almost everywhere. */
        SPREAD,
        /** bf16 values a few units in the last place apart: a handful of magnitudes, each tied many times. */
        BF16,
        /** 90% of the weights unchanged: a zero delta tied over most of the tensor. */
        MOSTLY_ZERO,
        /** The same magnitude everywhere. */
        ALL_EQUAL,
        /** Two magnitudes, half the elements each. */
        TWO_VALUES
    }

    /** {tuned, base} of {@code n} elements, with a few NaN and infinite inputs when {@code specials}. */
    private static float[][] vectors(Data kind, int n, long seed, boolean specials) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] tuned = new float[n];
        float[] base = new float[n];
        for (int j = 0; j < n; j++) {
            float b = bf16((float) ((r.nextDouble() - 0.5) * 0.04));
            float sign = r.nextBoolean() ? 1f : -1f;
            switch (kind) {
                case SPREAD -> tuned[j] = b + (float) (r.nextGaussian() * 1e-3);
                case BF16 -> tuned[j] = bf16(b + (r.nextInt(7) - 3) * Math.abs(b) / 256f);
                case MOSTLY_ZERO -> tuned[j] = r.nextInt(10) == 0 ? b + (float) (r.nextGaussian() * 1e-3) : b;
                case ALL_EQUAL -> {
                    b = 0f;
                    tuned[j] = 0.125f * sign;
                }
                case TWO_VALUES -> {
                    b = 0f;
                    tuned[j] = (r.nextBoolean() ? 0.25f : 0.5f) * sign;
                }
            }
            base[j] = b;
        }
        if (specials) {
            float[] odd = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
            for (int i = 0; i < 3; i++) {
                (r.nextBoolean() ? tuned : base)[r.nextInt(n)] = odd[r.nextInt(odd.length)];
            }
        }
        return new float[][] {tuned, base};
    }

    private static float bf16(float v) {
        return FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(v));
    }

    @Provide
    Arbitrary<Double> densities() {
        return Arbitraries.oneOf(Arbitraries.of(0.0, 1e-6, 1e-3, 0.1, 0.5, 0.999, 1.0),
                Arbitraries.doubles().between(0, 1));
    }

    @Property(tries = 60)
    void keepRuleAndStreamedTiesMatchTheExactTrim(@ForAll @IntRange(min = 1, max = BIG) int n,
                                                  @ForAll("densities") double density, @ForAll Data kind,
                                                  @ForAll boolean specials, @ForAll long seed) {
        float[][] v = vectors(kind, n, seed, specials);
        assertKeepRuleMatchesTheExactTrim(v[0], v[1], density);
        assertStreamedTiesEqualsTheArrayMerge(v[0], v[1], density);
    }

    @Test
    void findsTheThresholdInOnePassForSpreadBf16AndMostlyUnchangedWeights() {
        for (Data kind : List.of(Data.SPREAD, Data.BF16, Data.MOSTLY_ZERO, Data.ALL_EQUAL)) {
            for (double density : new double[] {0.1, 0.5, 0.9}) {
                float[][] v = vectors(kind, BIG, 5, false);
                assertThat(find(v[0], v[1], density)).as(kind + " at " + density).isPresent();
                assertKeepRuleMatchesTheExactTrim(v[0], v[1], density);
            }
        }
    }

    @Test
    void lowerIndicesWinTiesAtTheThreshold() {
        float[] tuned = {1f, 3f, 2f, 2f, 2f, 0f, 2f};
        // Seven scores, keep int(0.5 * 7) = 3: the 3, then the first two 2s (indices 2 and 3).
        MagnitudeThreshold t = find(tuned, new float[tuned.length], 0.5).orElseThrow();
        assertThat(t).isEqualTo(new MagnitudeThreshold(Float.floatToRawIntBits(2f), 3));
        assertThat(find(tuned, new float[tuned.length], 0.1)).contains(MagnitudeThreshold.NONE);
        assertThat(find(tuned, new float[tuned.length], 1.0)).contains(MagnitudeThreshold.ALL);
    }

    @Test
    void fallsBackWhenTwoHeavyTiesOverflowTheBandAndStillMatches() {
        float[][] v = vectors(Data.TWO_VALUES, BIG, 9, false);
        assertThat(find(v[0], v[1], 0.5)).isEmpty();
        assertStreamedTiesEqualsTheArrayMerge(v[0], v[1], 0.5);
    }

    @Test
    void fallsBackWhenAScoreIsNaNAndStillMatches() {
        float[][] v = vectors(Data.SPREAD, BIG, 11, false);
        v[0][123_456] = Float.NaN;
        assertThat(find(v[0], v[1], 0.3)).isEmpty();
        assertStreamedTiesEqualsTheArrayMerge(v[0], v[1], 0.3);
    }

    @Test
    void fallsBackWhenTheSampleMissesTheThresholdAndStillMatches() {
        // Small magnitudes exactly where the sample looks, large ones everywhere else.
        float[] tuned = new float[BIG];
        Arrays.fill(tuned, 2f);
        for (int i = 0; i < ScoreBand.SAMPLE / ScoreBand.RUN; i++) {
            for (int t = 0; t < ScoreBand.RUN; t++) {
                tuned[ScoreBand.runStart(i, BIG) + t] = 0.001f * (1 + t % 7);
            }
        }
        float[] base = new float[BIG];
        assertThat(find(tuned, base, 0.5)).isEmpty();
        assertStreamedTiesEqualsTheArrayMerge(tuned, base, 0.5);
    }

    @Test
    void aCapOfZeroForcesTheFallbackOnAnyGatheredScore() {
        float[][] v = vectors(Data.SPREAD, 5000, 13, false);
        ChunkedValues tuned = ChunkedValues.of("a", new long[] {5000}, v[0]);
        ChunkedValues base = ChunkedValues.of("base", new long[] {5000}, v[1]);
        assertThat(MagnitudeThreshold.find(tuned, base, 0.5, 0)).isEmpty();
        assertThat(MagnitudeThreshold.find(tuned, base, 0.5, MagnitudeThreshold.cap(5000))).isPresent();
    }

    private static Optional<MagnitudeThreshold> find(float[] tuned, float[] base, double density) {
        long[] shape = {tuned.length};
        return MagnitudeThreshold.find(ChunkedValues.of("a", shape, tuned), ChunkedValues.of("base", shape, base),
                density);
    }

    private static void assertKeepRuleMatchesTheExactTrim(float[] tuned, float[] base, double density) {
        int n = tuned.length;
        Optional<MagnitudeThreshold> threshold = find(tuned, base, density);
        if (threshold.isEmpty()) {
            return;
        }
        KeepMask exact = MagnitudeSparsifier.select(RankSelection.Scores.absDelta(tuned, base), n, density);
        boolean[] expected = new boolean[n];
        boolean[] got = new boolean[n];
        for (int j = 0; j < n; j++) {
            expected[j] = exact.get(j);
            got[j] = threshold.get().keeps(ScoreBand.score(tuned[j], base[j]), j);
        }
        assertThat(got).as("keep rule %s at density %s", threshold.get(), density).isEqualTo(expected);
    }

    /**
     * TIES of {@code tuned} (at {@code density}) and a second, spread model (at 0.3) streamed and on arrays:
     * the raw bits must agree, NaN payloads and signed zeros included.
     */
    private static void assertStreamedTiesEqualsTheArrayMerge(float[] tuned, float[] base, double density) {
        int n = tuned.length;
        long[] shape = {n};
        TensorValues b = new TensorValues("base", shape, base);
        float[] other = vectors(Data.SPREAD, n, n, false)[0];
        List<TensorValues> models = List.of(new TensorValues("a", shape, tuned), new TensorValues("b", shape, other));
        MergeParameters p = new MergeParameters(Map.of("lambda", 0.9),
                List.of(Map.of("weight", 1.0, "density", density), Map.of("weight", 0.5, "density", 0.3)),
                List.of("a", "b"));
        MergeMethod ties = MergeMethods.byName("ties").orElseThrow();
        ties.validate(p);
        float[] array = ties.merge(new MergeInput<>("t", shape, b, models, p, 7L));
        MergeInput<ChunkedValues> in = new MergeInput<>("t", shape, b,
                List.<ChunkedValues>copyOf(models), p, 7L);
        float[] streamed = new float[n];
        ((StreamingMerge) ties).merge(in, ChunkWriter.into(streamed));
        assertThat(rawBits(streamed)).as("density %s", density).isEqualTo(rawBits(array));
    }

    private static int[] rawBits(float[] v) {
        int[] bits = new int[v.length];
        for (int j = 0; j < v.length; j++) {
            bits[j] = Float.floatToRawIntBits(v[j]);
        }
        return bits;
    }
}
