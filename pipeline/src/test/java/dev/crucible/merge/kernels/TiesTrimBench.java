package dev.crucible.merge.kernels;

import dev.crucible.merge.ChunkWriter;
import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeMethods;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.StreamingMerge;
import dev.crucible.merge.sparsify.MagnitudeSparsifier;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.FloatCodec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * The streamed TIES trim on one bf16 tensor decoded on every read (as a merge of mapped files does), printed
 * as ratios: the one-pass threshold ({@link MagnitudeThreshold#find}) against the exact mask
 * ({@link MagnitudeSparsifier#select}, three passes), and the whole streamed TIES merge against the streamed
 * untrimmed task-arithmetic merge (one pass, the floor). Not a test; run its main.
 * Usage: {@code TiesTrimBench [rows=5632] [cols=2048] [density=0.5]}.
 */
public final class TiesTrimBench {

    private static final int REPEATS = 7;

    private TiesTrimBench() {
    }

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 5632;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        double density = args.length > 2 ? Double.parseDouble(args[2]) : 0.5;
        int n = rows * cols;
        long[] shape = {rows, cols};
        SplittableRandom rnd = new SplittableRandom(3);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment base = arena.allocate(2L * n);
            MemorySegment tuned = arena.allocate(2L * n);
            for (int j = 0; j < n; j++) {
                float b = (float) rnd.nextGaussian() * 0.02f;
                base.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, j, FloatCodec.floatToBf16(b));
                tuned.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, j,
                        FloatCodec.floatToBf16(b + (float) rnd.nextGaussian() * 0.002f));
            }
            ChunkedValues b = bf16("base", shape, base);
            ChunkedValues x = bf16("tuned", shape, tuned);
            System.out.printf(Locale.ROOT, "tensor %dx%d bf16 (%.1fM elements), density %s, %d cores%n", rows, cols,
                    n / 1e6, density, Runtime.getRuntime().availableProcessors());
            double exact = best(() -> MagnitudeSparsifier.select(RankSelection.Scores.absDelta(x, b), n, density));
            double sample = best(() -> ScoreBand.around(x, b, n - (long) (density * n)));
            double onePass = best(() -> MagnitudeThreshold.find(x, b, density).orElseThrow());
            System.out.printf(Locale.ROOT, "trim: exact mask %.1f ms, one-pass threshold %.1f ms"
                    + " (of which sample %.1f ms): %.2fx faster%n", exact * 1e3, onePass * 1e3, sample * 1e3, exact / onePass);
            double ties = best(() -> streamed("ties", shape, b, x, Map.of("weight", 1.0, "density", density)));
            double plain = best(() -> streamed("task_arithmetic", shape, b, x, Map.of("weight", 1.0)));
            System.out.printf(Locale.ROOT, "streamed merge: ties %.1f ms, task_arithmetic %.1f ms: ties %.2fx the"
                    + " untrimmed merge; the exact mask would add %.2fx more%n", ties * 1e3, plain * 1e3, ties / plain,
                    (exact - onePass) / plain);
        }
    }

    private static ChunkedValues bf16(String name, long[] shape, MemorySegment data) {
        int n = Math.toIntExact(shape[0] * shape[1]);
        return new ChunkedValues() {
            @Override
            public String modelName() {
                return name;
            }

            @Override
            public long[] shape() {
                return shape.clone();
            }

            @Override
            public int length() {
                return n;
            }

            @Override
            public void read(int from, float[] dst, int count) {
                FloatCodec.decodeInto(data, DType.BF16, dst, 0, from, count);
            }
        };
    }

    private static float[] streamed(String method, long[] shape, ChunkedValues base, ChunkedValues tuned,
                                    Map<String, Object> params) {
        MergeMethod m = MergeMethods.byName(method).orElseThrow();
        MergeParameters p = new MergeParameters(Map.of(), List.of(params), List.of(tuned.modelName()));
        m.validate(p);
        float[] out = new float[base.length()];
        ((StreamingMerge) m).merge(new MergeInput<>("t", shape, base, List.of(tuned), p, 1L), ChunkWriter.into(out));
        return out;
    }

    private static double best(Supplier<Object> work) {
        double best = Double.MAX_VALUE;
        for (int r = 0; r < REPEATS; r++) {
            long start = System.nanoTime();
            Object sink = work.get();
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
            if (sink == null) {
                throw new IllegalStateException("no result");
            }
        }
        return best;
    }
}
