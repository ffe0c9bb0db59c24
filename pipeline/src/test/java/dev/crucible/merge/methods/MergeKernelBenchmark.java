package dev.crucible.merge.methods;

import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeMethods;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.TensorValues;
import dev.crucible.merge.sparsify.MagnitudeSparsifier;
import dev.crucible.merge.sparsify.TaskVector;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Supplier;

/**
 * Throughput of the merge kernels on one 2048x2048 tensor with two fine-tunes, printed as ratios:
 * each method against a plain single-threaded {@code out = b + (x1 - b) + (x2 - b)} loop (the memory-bound
 * floor), all threads against one thread, and the O(n) TIES trim against a full sort of {@code |d|}.
 * Usage: {@code MergeKernelBenchmark [rows=2048] [cols=2048]}.
 */
public final class MergeKernelBenchmark {

    private MergeKernelBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        int n = rows * cols;
        long[] shape = {rows, cols};
        SplittableRandom rnd = new SplittableRandom(7);
        float[] b = new float[n];
        float[] x1 = new float[n];
        float[] x2 = new float[n];
        for (int j = 0; j < n; j++) {
            b[j] = (float) rnd.nextGaussian() * 0.02f;
            x1[j] = b[j] + (float) rnd.nextGaussian() * 0.001f;
            x2[j] = b[j] + (float) rnd.nextGaussian() * 0.001f;
        }
        int threads = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "tensor %dx%d (%.1fM elements), 2 models, %d cores%n", rows, cols, n / 1e6, threads);

        double floor = best(() -> {
            float[] out = new float[n];
            for (int j = 0; j < n; j++) {
                out[j] = b[j] + ((x1[j] - b[j]) + (x2[j] - b[j]));
            }
            return out;
        });
        System.out.printf(Locale.ROOT, "%-18s %8.1f ms  %6.2f Gelem/s  (floor)%n", "plain loop", floor * 1e3, n / floor / 1e9);

        Map<String, Object> p = Map.of("weight", 1.0, "density", 0.5, "epsilon", 0.1);
        MergeInput<TensorValues> in = new MergeInput<>("model.layers.0.mlp.up_proj.weight", shape, new TensorValues("base", shape, b),
                List.of(new TensorValues("a", shape, x1), new TensorValues("b", shape, x2)),
                new MergeParameters(Map.of(), List.of(p, p)), 1L);
        for (String method : List.of("task_arithmetic", "ties", "dare_ties", "breadcrumbs", "della", "linear", "slerp")) {
            MergeMethod m = MergeMethods.byName(method).orElseThrow();
            MergeInput<TensorValues> input = method.equals("slerp")
                    ? new MergeInput<>(in.tensorName(), shape, in.base(), List.of(in.models().get(0)),
                            new MergeParameters(Map.of("t", 0.5), List.of(Map.of())), 1L)
                    : method.equals("linear") ? new MergeInput<>(in.tensorName(), shape, null, in.models(), in.params(), 1L) : in;
            double all = best(() -> m.merge(input));
            double one;
            try (ForkJoinPool pool = new ForkJoinPool(1)) {
                one = best(() -> pool.submit(() -> m.merge(input)).join());
            }
            System.out.printf(Locale.ROOT, "%-18s %8.1f ms  %6.2f Gelem/s  %5.2fx floor  %4.2fx speed-up on %d threads%n",
                    method, all * 1e3, n / all / 1e9, all / floor, one / all, threads);
        }

        TaskVector d = new TaskVector(x1, b, shape);
        double select = best(() -> new MagnitudeSparsifier(0.5).select(d));
        double sort = best(() -> {
            float[] mag = new float[n];
            for (int j = 0; j < n; j++) {
                mag[j] = Math.abs(d.at(j));
            }
            Arrays.sort(mag);
            return mag;
        });
        System.out.printf(Locale.ROOT, "TIES trim: selection %.1f ms vs full sort %.1f ms (%.2fx faster)%n",
                select * 1e3, sort * 1e3, sort / select);
    }

    /** Best of three runs after two warm-ups, in seconds. */
    private static double best(Supplier<Object> work) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            Object result = work.get();
            double s = (System.nanoTime() - t0) / 1e9;
            if (result == null) {
                throw new IllegalStateException("no result");
            }
            if (i >= 2) {
                best = Math.min(best, s);
            }
        }
        return best;
    }
}
