package dev.crucible.merge.sparsify;

import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.MergeRandom;
import dev.crucible.merge.kernels.Chunks;
import dev.crucible.merge.kernels.KeepMask;
import dev.crucible.merge.kernels.Select;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Each fast sparsifier against a plain full-sort reference, on random data rich in ties. */
class SparsifierReferenceTest {

    @Provide
    Arbitrary<float[]> deltas() {
        // Few distinct magnitudes (like bf16 deltas) so that threshold ties are common.
        Arbitrary<Float> value = Arbitraries.integers().between(-12, 12).map(i -> i * 0.25f);
        return value.array(float[].class).ofMinSize(1).ofMaxSize(300);
    }

    @org.junit.jupiter.api.Test
    void magnitudeRanksANanDeltaAboveEveryNumberAsTorchSortsIt() {
        float[] d = {1f, Float.NaN, 3f, 2f, Float.POSITIVE_INFINITY, 0.5f};
        TaskVector tv = new TaskVector(d, new float[d.length], new long[] {d.length});
        assertMask(new MagnitudeSparsifier(0.5).select(tv), new boolean[] {false, true, true, false, true, false});
    }

    @Property(tries = 300)
    void magnitudeKeepsTopKLikeAStableDescendingSort(@ForAll("deltas") float[] d,
                                                     @ForAll @DoubleRange(min = 0, max = 1) double density) {
        TaskVector tv = new TaskVector(d, new float[d.length], new long[] {d.length});
        KeepMask mask = new MagnitudeSparsifier(density).select(tv);
        boolean[] expected = new boolean[d.length];
        if (density >= 1) {
            Arrays.fill(expected, true);
        } else {
            Integer[] order = byMagnitude(d, Comparator.reverseOrder());
            for (int r = 0; r < (int) (density * d.length); r++) {
                expected[order[r]] = true;
            }
        }
        assertMask(mask, expected);
    }

    @Property(tries = 300)
    void outliersKeepMiddleRanksLikeAStableAscendingSort(@ForAll("deltas") float[] d,
                                                         @ForAll @DoubleRange(min = 0, max = 0.99) double density,
                                                         @ForAll @DoubleRange(min = 0, max = 0.5) double gamma) {
        TaskVector tv = new TaskVector(d, new float[d.length], new long[] {d.length});
        KeepMask mask = new MagnitudeOutliersSparsifier(density, gamma).select(tv);
        int n = d.length;
        int top = (int) (gamma * n);
        int bottom = n - (int) (density * n) - top;
        if (bottom < 0) {
            top += bottom;
            bottom = 0;
        }
        Integer[] order = byMagnitude(d, Comparator.naturalOrder());
        boolean[] expected = new boolean[n];
        for (int r = bottom; r < n - top; r++) {
            expected[order[r]] = true;
        }
        assertMask(mask, expected);
    }

    @Property(tries = 200)
    void randomKeepsWhereTheCounterStreamIsBelowDensity(@ForAll("deltas") float[] d,
                                                        @ForAll @DoubleRange(min = 0, max = 0.99) double density,
                                                        @ForAll long key) {
        TaskVector tv = new TaskVector(d, new float[d.length], new long[] {d.length});
        KeepMask mask = new RandomSparsifier(density, key).select(tv);
        boolean[] expected = new boolean[d.length];
        for (int j = 0; j < d.length; j++) {
            expected[j] = MergeRandom.uniform(key, j) < density;
        }
        assertMask(mask, expected);
    }

    @Property(tries = 200)
    void sparsifiersChooseFromStreamedValuesWhatTheyChooseFromArrays(
            @ForAll("deltas") float[] tuned, @ForAll @DoubleRange(min = 0, max = 0.99) double density,
            @ForAll @DoubleRange(min = 0, max = 0.5) double gamma, @ForAll long key) {
        float[] base = new float[tuned.length];
        for (int j = 0; j < base.length; j++) {
            base[j] = (j % 5 - 2) * 0.25f;
        }
        long[] shape = {tuned.length};
        TaskVector tv = new TaskVector(tuned, base, shape);
        // The magnitude kinds have an array path of their own; the others always read through ChunkedValues.
        for (Sparsifier s : List.of(new MagnitudeSparsifier(density), new MagnitudeOutliersSparsifier(density, gamma))) {
            KeepMask streamed = s.select(ChunkedValues.of("x", shape, tuned), ChunkedValues.of("b", shape, base));
            KeepMask arrays = s.select(tv);
            for (int j = 0; j < tuned.length; j++) {
                assertThat(streamed.get(j)).as("%s at %d", s, j).isEqualTo(arrays.get(j));
            }
        }
    }

    @Property(tries = 200)
    void dellaKeepsByRankWithinEachRow(@ForAll("deltas") float[] flat, @ForAll @IntRange(min = 1, max = 7) int cols,
                                       @ForAll @DoubleRange(min = 0.3, max = 0.7) double density,
                                       @ForAll @DoubleRange(min = 0, max = 0.25) double epsilon, @ForAll long key) {
        int rows = flat.length / cols;
        if (rows == 0) {
            return;
        }
        float[] d = Arrays.copyOf(flat, rows * cols);
        TaskVector tv = new TaskVector(d, new float[d.length], new long[] {rows, cols});
        KeepMask mask = new DellaSparsifier(density, epsilon, key).select(tv);
        boolean[] expected = new boolean[d.length];
        for (int r = 0; r < rows; r++) {
            float[] row = Arrays.copyOfRange(d, r * cols, (r + 1) * cols);
            Integer[] order = byMagnitude(row, Comparator.naturalOrder());
            for (int rank = 0; rank < cols; rank++) {
                double rel = cols == 1 ? 0.5 : (double) rank / (cols - 1);
                int j = r * cols + order[rank];
                expected[j] = MergeRandom.uniform(key, j) < density - epsilon + 2 * epsilon * rel;
            }
        }
        assertMask(mask, expected);
    }

    @Property(tries = 100)
    void dellaRanksAlongTheSecondAxisOfAThreeAxisTensor(@ForAll("deltas") float[] flat,
                                                         @ForAll @IntRange(min = 1, max = 5) int cols,
                                                         @ForAll @IntRange(min = 1, max = 3) int depth,
                                                         @ForAll long key) {
        int outer = flat.length / (cols * depth);
        if (outer == 0) {
            return;
        }
        float[] d = Arrays.copyOf(flat, outer * cols * depth);
        TaskVector tv = new TaskVector(d, new float[d.length], new long[] {outer, cols, depth});
        KeepMask mask = new DellaSparsifier(0.5, 0.2, key).select(tv);
        boolean[] expected = new boolean[d.length];
        for (int o = 0; o < outer; o++) {
            for (int z = 0; z < depth; z++) {
                float[] line = new float[cols];
                for (int c = 0; c < cols; c++) {
                    line[c] = d[(o * cols + c) * depth + z];
                }
                Integer[] order = byMagnitude(line, Comparator.naturalOrder());
                for (int rank = 0; rank < cols; rank++) {
                    double rel = cols == 1 ? 0.5 : (double) rank / (cols - 1);
                    int j = (o * cols + order[rank]) * depth + z;
                    expected[j] = MergeRandom.uniform(key, j) < 0.3 + 0.4 * rel;
                }
            }
        }
        assertMask(mask, expected);
    }

    @Property(tries = 300)
    void selectFindsTheSortedElement(@ForAll("deltas") float[] values, @ForAll @IntRange(min = 0, max = 299) int k) {
        int rank = k % values.length;
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        float[] work = values.clone();
        float got = Select.kth(work, 0, work.length, rank);
        assertThat(got).isEqualTo(sorted[rank]);
        for (int j = 0; j < work.length; j++) {
            assertThat(j < rank ? work[j] <= got : work[j] >= got).isTrue();
        }
    }

    @Property(tries = 20)
    void selectHandlesLargeArraysWithFewDistinctValues(@ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] values = new float[5000];
        for (int j = 0; j < values.length; j++) {
            values[j] = rnd.nextInt(4);
        }
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        for (int rank : List.of(0, 1234, 2500, 4999)) {
            assertThat(Select.kth(values.clone(), 0, values.length, rank)).isEqualTo(sorted[rank]);
        }
    }

    @Property(tries = 4)
    void multiChunkTrimMatchesSortedReference(@ForAll long seed, @ForAll @DoubleRange(min = 0.05, max = 0.95) double density) {
        // Big enough for the parallel paths: several histogram tasks, per-chunk tie counts and prefix sums.
        int n = Chunks.PARALLEL_MIN + 3 * Chunks.SIZE + 1000;
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] d = new float[n];
        for (int j = 0; j < n; j++) {
            d[j] = (rnd.nextInt(9) - 4) * 0.5f;
        }
        TaskVector tv = new TaskVector(d, new float[n], new long[] {n});
        int k = (int) (density * n);
        // Stable descending order = ascending by (|d|, -index), read from the top.
        long[] keys = new long[n];
        for (int j = 0; j < n; j++) {
            keys[j] = ((long) Float.floatToRawIntBits(Math.abs(d[j])) << 32) | (0xFFFFFFFFL - j);
        }
        Arrays.sort(keys);
        boolean[] expected = new boolean[n];
        for (int r = n - k; r < n; r++) {
            expected[(int) (0xFFFFFFFFL - (keys[r] & 0xFFFFFFFFL))] = true;
        }
        assertMask(new MagnitudeSparsifier(density).select(tv), expected);
        // Stable ascending order for the breadcrumbs boundaries.
        for (int j = 0; j < n; j++) {
            keys[j] = ((long) Float.floatToRawIntBits(Math.abs(d[j])) << 32) | j;
        }
        Arrays.sort(keys);
        int top = (int) (0.1 * n);
        int bottom = Math.max(0, n - k - top);
        top = Math.min(top, n - k);
        boolean[] middle = new boolean[n];
        for (int r = bottom; r < n - top; r++) {
            middle[(int) (keys[r] & 0xFFFFFFFFL)] = true;
        }
        assertMask(new MagnitudeOutliersSparsifier(density, 0.1).select(tv), middle);
    }

    /** Indices sorted by |d| in the given direction, equal values by index (a stable sort). */
    private static Integer[] byMagnitude(float[] d, Comparator<Float> direction) {
        Integer[] order = IntStream.range(0, d.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparing((Integer j) -> Math.abs(d[j]), direction));
        return order;
    }

    private static void assertMask(KeepMask mask, boolean[] expected) {
        boolean[] got = new boolean[expected.length];
        for (int j = 0; j < got.length; j++) {
            got[j] = mask.get(j);
        }
        assertThat(got).isEqualTo(expected);
    }
}
