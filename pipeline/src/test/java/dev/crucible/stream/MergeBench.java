package dev.crucible.stream;

import dev.crucible.fixtures.GeneratedLlama;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Merge throughput and memory benchmark (run by {@code bench/merge.sh}, not a test). Generates two
 * llama-shaped bf16 models ({@code LAYERS} decoder layers: 10 gives just over 1 GiB each, 20 about 2 GiB),
 * times {@code cat} of their files as the raw-read baseline, then runs {@code ./crucible merge} as a user does
 * (the launcher, its start-up archive, {@code JAVA_OPTS=-Xmx768m}) for linear and ties, and prints the wall time
 * of the whole command and of the merge stream alone as ratios to that baseline, with the command's CPU time and
 * peak resident memory (RSS, and its anonymous part). Each configuration runs {@link #REPEATS} times and the fastest counts.
 *
 * <p>Warm rows read inputs from the page cache; cold rows (when run as root, which may empty the page cache)
 * read them from disk, as merges of real models larger than memory do, and {@code -ns} rows pass
 * {@code --no-sync}. Next to {@code cat} it times the I/O floor of a merge: {@code cat} of the inputs plus
 * {@code dd} writing an output of the same size (with fsync, unless {@code -ns}); {@code x io} is the merge's
 * wall time over that floor.
 */
public final class MergeBench {

    private static final int HIDDEN = 2048;
    private static final int INTERMEDIATE = 5632;
    private static final int DEFAULT_LAYERS = 10;
    private static final int REPEATS = 2;
    private static final String HEAP = "768m";
    private static final int VOCAB = 8192;

    private MergeBench() {
    }

    /** {@code MergeBench [DIR [LAYERS]]} runs the benchmark from the repository root (it runs {@code ./crucible}). */
    public static void main(String[] args) throws Exception {
        int layers = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_LAYERS;
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/crucible-bench").resolve("layers-" + layers);
        Files.createDirectories(dir);
        int threads = Runtime.getRuntime().availableProcessors();
        Path a = generate(dir.resolve("model-a"), 1, layers);
        Path b = generate(dir.resolve("model-b"), 2, layers);
        Path linear = recipe(dir.resolve("linear.yml"), """
                merge_method: linear
                models:
                  - {model: model-a, parameters: {weight: 0.5}}
                  - {model: model-b, parameters: {weight: 0.5}}
                """);
        Path ties = recipe(dir.resolve("ties.yml"), """
                merge_method: ties
                base_model: model-a
                models:
                  - {model: model-b, parameters: {weight: 1.0, density: 0.5}}
                """);
        List<Path> inputs = new ArrayList<>(weightFiles(a));
        inputs.addAll(weightFiles(b));
        long inputBytes = 0;
        for (Path p : inputs) {
            inputBytes += Files.size(p);
        }
        catSeconds(inputs);
        boolean cold = canDropCaches();
        System.out.printf(Locale.ROOT, "inputs: 2 models, %.2f GiB in all (bf16, hidden %d, %d layers, vocab %d);"
                + " %d cores, load average %s%n", inputBytes / (double) (1L << 30), HIDDEN, layers, VOCAB, threads,
                loadAverage());
        System.out.printf(Locale.ROOT, "%-7s %-7s %6s %8s %8s %8s %7s %7s %8s %7s %7s %7s %14s %10s %6s%n", "method",
                "cache", "heap", "wall s", "cpu s", "stream s", "cat s", "x cat", "stream x", "target", "io s", "x io",
                "peak anon MiB", "VmHWM MiB", "load");
        Map<String, Result> best = new java.util.LinkedHashMap<>();
        long peakAnon = 0;
        long peakRss = 0;
        for (int r = 0; r < REPEATS; r++) {
            // Warm and cold with the default sync to disk; cold also with --no-sync, as mergekit writes.
            List<String> modes = cold ? List.of("warm", "cold", "cold no-sync") : List.of("warm", "warm no-sync");
            for (String mode : modes) {
                for (String method : List.of("linear", "ties")) {
                    Path recipe = method.equals("linear") ? linear : ties;
                    Result result = run(method, recipe, dir.resolve("out-" + method), threads, inputs, inputBytes / 2,
                            method.equals("linear") ? 2 : 4, mode.startsWith("cold"), !mode.endsWith("no-sync"));
                    best.merge(method + " " + mode, result, Result::best);
                    peakAnon = Math.max(peakAnon, result.anonMiB);
                    peakRss = Math.max(peakRss, result.hwmMiB);
                }
            }
        }
        StringBuilder summary = new StringBuilder();
        best.forEach((key, res) -> summary.append(String.format(Locale.ROOT,
                "%s %.2f s (%.1f x cat, %.1f x io; stream %.2f s, %.1f x cat); ", key, res.wall, res.ratio(),
                res.ioRatio(), res.stream, res.stream / res.cat)));
        System.out.printf(Locale.ROOT, "%speak RSS %d MiB, of which anonymous %d MiB (%.2f GiB inputs, -Xmx%s, load %s)%n",
                summary, peakRss, peakAnon, inputBytes / (double) (1L << 30), HEAP, loadAverage());
        System.out.println("best of " + REPEATS + " runs each (peak RSS and anon: highest of all runs); x cat = merge wall time / cat"
                + " wall time of the same inputs measured just before it, from the page cache (warm) or from disk after"
                + " dropping the page cache (cold, only when run as root); wall = the whole `./crucible merge`"
                + " command, launcher and JVM start to exit (recipe, checks, actor system, merge, model files, rename), stream = the merge stream"
                + " alone (first tensor read to last byte synced), the part that grows with model size; io = the I/O floor, cat + dd writing an output"
                + " of the same size, with fsync unless the row is -ns (--no-sync); VmHWM = peak RSS of the merging JVM: heap, JVM,"
                + " native buffers and the pages of the memory-mapped inputs it is merging (it releases them after each tensor);"
                + " peak anon = the same without the mapped pages (statm resident - shared, sampled every 10 ms)");
    }

    /** Whether this process may empty the kernel's page cache (root on Linux), for the cold-cache runs. */
    private static boolean canDropCaches() {
        return Files.isWritable(Path.of("/proc/sys/vm/drop_caches"));
    }

    /** Writes dirty pages back and empties the page cache, so the next read comes from disk. */
    private static void dropCaches() throws Exception {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
    }

    /** One merge's figures, with the cat time measured right before it. */
    private record Result(double wall, double cat, double io, long anonMiB, long hwmMiB, double stream) {

        double ratio() {
            return wall / cat;
        }

        double ioRatio() {
            return wall / io;
        }

        static Result best(Result a, Result b) {
            return a == null || b.ratio() < a.ratio() ? b : a;
        }
    }

    private static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    }

    private static Result run(String name, Path recipe, Path out, int threads, List<Path> inputs, long outputBytes,
                              int target, boolean cold, boolean sync) throws Exception {
        // Earlier --no-sync runs leave dirty pages whose write-back would compete with this run's disk use.
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        double cat;
        if (cold) {
            dropCaches();
            cat = catSeconds(inputs);
        } else {
            cat = Math.min(catSeconds(inputs), catSeconds(inputs));
        }
        double io = cat + writeSeconds(out.resolveSibling("io-probe"), outputBytes, sync);
        // A merge into a new folder deletes nothing; removing the last run's output is not part of the timing.
        if (new ProcessBuilder("rm", "-rf", out.toString()).inheritIO().start().waitFor() != 0) {
            throw new IllegalStateException("cannot remove " + out);
        }
        if (cold) {
            dropCaches();
        }
        List<String> command = new ArrayList<>(List.of(Path.of("crucible").toAbsolutePath().toString(), "merge",
                recipe.toString(), out.toString(), "--force", "--threads", Integer.toString(threads)));
        if (!sync) {
            command.add("--no-sync");
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("JAVA_OPTS", "-Xmx" + HEAP);
        long start = System.nanoTime();
        Process p = builder.start();
        Sampler sampler = new Sampler(p.pid());
        Thread sampling = Thread.ofPlatform().daemon().start(sampler);
        String output = new String(p.getInputStream().readAllBytes());
        int code = p.waitFor();
        double wall = (System.nanoTime() - start) / 1e9;
        sampling.interrupt();
        sampling.join();
        if (code != 0) {
            throw new IllegalStateException(name + " merge failed:\n" + output);
        }
        // "merged N tensors (...) into DIR in S s": the stream alone, without start-up, planning and clean-up.
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(" in ([0-9.]+) s").matcher(output);
        double stream = m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
        System.out.printf(Locale.ROOT, "%-7s %-7s %6s %8.2f %8.1f %8.2f %7.2f %7.1f %8.1f %6dx %7.2f %7.1f %14d %10d %6s%n",
                name, (cold ? "cold" : "warm") + (sync ? "" : "-ns"), HEAP, wall, sampler.cpuSeconds, stream, cat,
                wall / cat, stream / cat, target, io, wall / io, sampler.peakAnonKb / 1024, sampler.hwmKb / 1024,
                loadAverage());
        return new Result(wall, cat, io, sampler.peakAnonKb / 1024, sampler.hwmKb / 1024, stream);
    }

    /**
     * Follows a running {@code crucible merge} through {@code /proc} every 10 ms: peak anonymous resident memory
     * (statm resident minus file-backed and shared pages, the same figure as RssAnon: heap, JVM, native buffers;
     * not the page cache behind the mapped inputs), VmHWM, and CPU time (user + system).
     */
    private static final class Sampler implements Runnable {
        private final long pid;
        volatile long peakAnonKb;
        volatile long hwmKb;
        volatile double cpuSeconds;

        Sampler(long pid) {
            this.pid = pid;
        }

        @Override
        public void run() {
            Path proc = Path.of("/proc", Long.toString(pid));
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    String[] pages = Files.readString(proc.resolve("statm")).trim().split(" ");
                    peakAnonKb = Math.max(peakAnonKb, (Long.parseLong(pages[1]) - Long.parseLong(pages[2])) * 4);
                    String stat = Files.readString(proc.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    // Fields 14 and 15 of stat (utime, stime), counted after the command name: 12 and 13.
                    cpuSeconds = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
                    for (String line : Files.readAllLines(proc.resolve("status"))) {
                        if (line.startsWith("VmHWM:")) {
                            hwmKb = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                        }
                    }
                    Thread.sleep(10);
                } catch (IOException | RuntimeException e) {
                    return;
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static double catSeconds(List<Path> files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("cat"));
        files.forEach(f -> cmd.add(f.toString()));
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("cat failed");
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** Seconds {@code dd} takes to write {@code bytes} to {@code file}, and fsync it if asked (the file is removed after). */
    private static double writeSeconds(Path file, long bytes, boolean sync) throws Exception {
        long mib = Math.max(1, bytes >> 20);
        long start = System.nanoTime();
        Process p = new ProcessBuilder("dd", "if=/dev/zero", "of=" + file, "bs=1M", "count=" + mib,
                sync ? "conv=fsync" : "conv=notrunc")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("dd failed");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Files.deleteIfExists(file);
        return seconds;
    }

    private static List<Path> weightFiles(Path model) throws IOException {
        try (var s = Files.list(model)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
    }

    private static Path recipe(Path file, String yaml) throws IOException {
        Files.writeString(file, yaml + "dtype: bfloat16\n");
        return file;
    }

    /** A llama-shaped bf16 model with random weights, reused when already there. */
    private static Path generate(Path dir, long seed, int layers) throws IOException {
        return new GeneratedLlama(VOCAB, HIDDEN, INTERMEDIATE, layers, 16)
                .writeIfAbsent(dir, GeneratedLlama.uniform(seed), "");
    }
}
