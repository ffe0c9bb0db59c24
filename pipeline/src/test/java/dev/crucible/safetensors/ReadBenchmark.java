package dev.crucible.safetensors;

import dev.crucible.tensor.DType;
import dev.crucible.tensor.FloatCodec;
import dev.crucible.tensor.TensorInfo;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Read throughput of a multi-GiB BF16 checkpoint, compared with {@code cat FILE > /dev/null} on the
 * same (page-cached) file: how close mmap + decode to float32 comes to the raw copy speed.
 * Usage: {@code ReadBenchmark [GiB=3] [dir=/tmp/crucible-read-bench]}.
 */
public final class ReadBenchmark {

    private static final long TENSOR_ROWS = 4096;
    private static final long TENSOR_COLS = 4096; // 32 MiB per BF16 tensor

    private ReadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        double gib = args.length > 0 ? Double.parseDouble(args[0]) : 3.0;
        Path dir = Path.of(args.length > 1 ? args[1] : "/tmp/crucible-read-bench");
        Path file = dir.resolve(Checkpoint.SINGLE_FILE);
        List<TensorInfo> plan = plan(gib);
        ensureFile(dir, file, plan);
        long bytes = Files.size(file);
        System.out.printf(Locale.ROOT, "file %s: %s, %d BF16 tensors of %dx%d%n", file, ByteSize.format(bytes),
                plan.size(), TENSOR_ROWS, TENSOR_COLS);

        cat(file); // warm the page cache
        double catSeconds = best(3, () -> cat(file));
        double catRate = bytes / catSeconds / 1e9;
        System.out.printf(Locale.ROOT, "cat > /dev/null               %6.2f GB/s%n", catRate);

        double oneThread = best(3, () -> readAll(dir, 1));
        double threads = Runtime.getRuntime().availableProcessors();
        double allThreads = best(3, () -> readAll(dir, (int) threads));
        double reuse = best(3, () -> decodeReusingBuffer(dir));
        report("Checkpoint.readFloats, 1 thread", bytes, oneThread, catRate);
        report("Checkpoint.readFloats, " + (int) threads + " threads", bytes, allThreads, catRate);
        report("FloatCodec.decodeInto reused buf", bytes, reuse, catRate);
    }

    private static void report(String what, long bytes, double seconds, double catRate) {
        double rate = bytes / seconds / 1e9;
        System.out.printf(Locale.ROOT, "%-34s %6.2f GB/s of BF16 (%5.2f Gfloat/s)   %.2fx cat%n", what, rate,
                bytes / 2.0 / seconds / 1e9, rate / catRate);
    }

    private static List<TensorInfo> plan(double gib) {
        long perTensor = TENSOR_ROWS * TENSOR_COLS * 2;
        int count = (int) Math.max(1, Math.round(gib * (1L << 30) / perTensor));
        List<TensorInfo> plan = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            plan.add(new TensorInfo(String.format("model.layers.%d.mlp.up_proj.weight", i), DType.BF16,
                    new long[]{TENSOR_ROWS, TENSOR_COLS}));
        }
        return plan;
    }

    /** Reuses an existing file of the right layout; otherwise writes one with Gaussian-ish BF16 values. */
    private static void ensureFile(Path dir, Path file, List<TensorInfo> plan) throws IOException {
        if (Files.exists(file)) {
            try (Checkpoint cp = Checkpoint.open(dir)) {
                if (cp.infos().equals(plan)) {
                    return;
                }
            } catch (RuntimeException e) {
                // not a usable benchmark file: rewrite it
            }
        }
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve(Checkpoint.INDEX_FILE));
        float[] values = new float[(int) (TENSOR_ROWS * TENSOR_COLS)];
        Random r = new Random(1);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (r.nextGaussian() * 0.02);
        }
        byte[] encoded = FloatCodec.encode(values, DType.BF16);
        try (SafetensorsWriter w = SafetensorsWriter.create(dir, plan, Long.MAX_VALUE, Map.of())) {
            for (int i = 0; i < plan.size(); i++) {
                encoded[i % encoded.length] ^= 1; // tensors differ, so nothing can be deduplicated
                w.write(plan.get(i).name(), MemorySegment.ofArray(encoded));
            }
            w.finish();
        }
    }

    private interface Run {
        void run() throws Exception;
    }

    private static double best(int repeats, Run run) throws Exception {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            run.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }

    private static void cat(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("cat", file.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        if (p.waitFor() != 0) {
            throw new IOException("cat failed");
        }
    }

    private static final AtomicLong SINK = new AtomicLong();

    private static void readAll(Path dir, int threads) throws Exception {
        try (Checkpoint cp = Checkpoint.open(dir)) {
            List<String> names = List.copyOf(cp.tensorNames());
            AtomicLong next = new AtomicLong();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(Thread.ofPlatform().start(() -> {
                    for (long i; (i = next.getAndIncrement()) < names.size(); ) {
                        float[] v = cp.readFloats(names.get((int) i));
                        SINK.addAndGet(Float.floatToRawIntBits(v[v.length - 1]));
                    }
                }));
            }
            for (Thread w : workers) {
                w.join();
            }
        }
    }

    private static void decodeReusingBuffer(Path dir) {
        try (Checkpoint cp = Checkpoint.open(dir)) {
            float[] buf = new float[(int) (TENSOR_ROWS * TENSOR_COLS)];
            for (String name : cp.tensorNames()) {
                TensorInfo info = cp.info(name);
                FloatCodec.decodeInto(cp.tensor(name).data(), info.dtype(), buf, 0, 0, (int) info.elementCount());
                SINK.addAndGet(Float.floatToRawIntBits(buf[buf.length - 1]));
            }
        }
    }
}
