package dev.crucible.tensor;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * JMH: bf16 to float32 and back, the conversions every merged tensor goes through (read bf16, merge in
 * float32, write bf16), with {@link FloatCodec}'s kernels (Vector API when {@code jdk.incubator.vector} is
 * loaded) against plain per-element loops over {@link FloatCodec#bf16ToFloat}/{@link FloatCodec#floatToBf16}.
 * Scores are microseconds per call on {@code elements} values (4M: one 2048x2048 tensor); the kernels are
 * measured once they are compiled ({@link FloatCodec#vectorKernelsReady()}).
 * Run: {@code bench/main.sh pipeline org.openjdk.jmh.Main Bf16ConversionBenchmark} (JMH's options follow, e.g.
 * {@code -p elements=65536}); the forked JVMs inherit {@code --add-modules=jdk.incubator.vector} from it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class Bf16ConversionBenchmark {

    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED
            .withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    @Param("4194304")
    public int elements;

    private Arena arena;
    private MemorySegment bf16;
    private MemorySegment out;
    private float[] floats;

    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
        // FloatCodec uses its scalar loops until the JIT has compiled the vector kernels (VectorWarmup); measure
        // the kernels, not that start-up phase.
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (FloatCodec.SIMD && !FloatCodec.vectorKernelsReady() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        arena = Arena.ofConfined();
        bf16 = arena.allocate(2L * elements, 64);
        out = arena.allocate(2L * elements, 64);
        floats = new float[elements];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < elements; i++) {
            floats[i] = (float) random.nextGaussian() * 0.02f;
            bf16.set(SHORT_LE, 2L * i, FloatCodec.floatToBf16(floats[i]));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] decodeKernel() {
        FloatCodec.decodeInto(bf16, DType.BF16, floats, 0, 0, elements);
        return floats;
    }

    @Benchmark
    public float[] decodeScalarLoop() {
        for (int i = 0; i < elements; i++) {
            floats[i] = FloatCodec.bf16ToFloat(bf16.get(SHORT_LE, 2L * i));
        }
        return floats;
    }

    @Benchmark
    public MemorySegment encodeKernel() {
        FloatCodec.encodeInto(floats, 0, elements, DType.BF16, out, 0);
        return out;
    }

    @Benchmark
    public MemorySegment encodeScalarLoop() {
        for (int i = 0; i < elements; i++) {
            out.set(SHORT_LE, 2L * i, FloatCodec.floatToBf16(floats[i]));
        }
        return out;
    }
}
