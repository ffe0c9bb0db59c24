package dev.crucible.merge.methods;

import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeMethods;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.MergeRandom;
import dev.crucible.merge.TensorValues;
import dev.crucible.merge.kernels.Chunks;
import dev.crucible.merge.kernels.KeepMask;
import dev.crucible.merge.sparsify.RandomSparsifier;
import dev.crucible.merge.sparsify.TaskVector;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;

import static org.assertj.core.api.Assertions.assertThat;

/** Randomised merges give the same bits for the same seed, whatever the thread count. */
class DeterminismTest {

    private static final int N = 5 * 60_001;

    private static MergeInput<TensorValues> input(long seed) {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] base = new float[N];
        float[] a = new float[N];
        float[] b = new float[N];
        for (int j = 0; j < N; j++) {
            base[j] = (float) rnd.nextGaussian();
            a[j] = base[j] + (float) rnd.nextGaussian() * 0.01f;
            b[j] = base[j] + (float) rnd.nextGaussian() * 0.01f;
        }
        Map<String, Object> p = Map.of("weight", 1.0, "density", 0.3, "epsilon", 0.1);
        return new MergeInput<>("model.layers.3.mlp.down_proj.weight", new long[] {N / 5, 5}, vecShaped(base),
                List.of(vecShaped(a), vecShaped(b)), new MergeParameters(Map.of(), List.of(p, p)), seed);
    }

    private static TensorValues vecShaped(float[] v) {
        return new TensorValues("m", new long[] {N / 5, 5}, v);
    }

    private static float[] run(String method, long seed, int threads) throws Exception {
        MergeMethod m = MergeMethods.byName(method).orElseThrow();
        MergeInput<TensorValues> in = input(seed);
        try (ForkJoinPool pool = new ForkJoinPool(threads)) {
            return pool.submit(() -> m.merge(in)).get();
        }
    }

    @Test
    void dareTiesGivesIdenticalBitsOnOneOrFourThreads() throws Exception {
        assertThat(run("dare_ties", 5, 1)).isEqualTo(run("dare_ties", 5, 4));
    }

    @Test
    void dellaGivesIdenticalBitsOnOneOrFourThreads() throws Exception {
        assertThat(run("della", 5, 1)).isEqualTo(run("della", 5, 4));
    }

    @Test
    void tiesGivesIdenticalBitsOnOneOrFourThreads() throws Exception {
        assertThat(run("ties", 0, 1)).isEqualTo(run("ties", 0, 4));
    }

    @Test
    void anotherSeedGivesAnotherMask() throws Exception {
        assertThat(run("dare_linear", 5, 2)).isNotEqualTo(run("dare_linear", 6, 2));
    }

    @Test
    void chunkedRandomMaskEqualsElementwiseStream() {
        long key = MergeRandom.streamKey(11, "x", 2);
        float[] d = new float[Chunks.SIZE * 3 + 17];
        Arrays.fill(d, 1f);
        KeepMask mask = new RandomSparsifier(0.5, key).select(new TaskVector(d, new float[d.length], new long[] {d.length}));
        int differences = 0;
        for (int j = 0; j < d.length; j++) {
            if (mask.get(j) != (MergeRandom.uniform(key, j) < 0.5)) {
                differences++;
            }
        }
        assertThat(differences).isZero();
        assertThat(mask.count()).isBetween(d.length / 2 - 1000, d.length / 2 + 1000);
    }

    @Test
    void streamsDifferByTensorAndModel() {
        long k = MergeRandom.streamKey(1, "a", 0);
        assertThat(k).isNotEqualTo(MergeRandom.streamKey(1, "b", 0));
        assertThat(k).isNotEqualTo(MergeRandom.streamKey(1, "a", 1));
        assertThat(k).isNotEqualTo(MergeRandom.streamKey(2, "a", 0));
        assertThat(MergeRandom.uniform(k, 0)).isEqualTo(MergeRandom.uniform(MergeRandom.streamKey(1, "a", 0), 0));
    }
}
