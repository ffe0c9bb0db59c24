package dev.crucible.stream;

import dev.crucible.safetensors.SafetensorsWriter;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Merge throughput and memory benchmark (run by {@code bench/merge.sh}, not a test). Generates two
 * llama-shaped bf16 models ({@code LAYERS} decoder layers: 10 gives just over 1 GiB each, 20 about 2 GiB),
 * times {@code cat} of their files (warm page cache) as the raw-read baseline, then runs {@code crucible merge}
 * for linear and ties in child JVMs limited to {@code -Xmx768m}, printing wall time as a ratio to the
 * baseline and the child's peak anonymous resident memory (heap, JVM and native buffers; not the page
 * cache behind the mapped inputs). Each merge runs {@link #REPEATS} times and the fastest counts.
 *
 * <p>Next to {@code cat} it times the I/O floor of a merge: {@code cat} of the inputs plus {@code dd} writing
 * an output of the same size with fsync (a merge must write and sync its output too); {@code x io} is the
 * merge's wall time over that floor.
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

    /** {@code MergeBench [DIR [LAYERS]]} runs the benchmark; {@code --child RECIPE OUT THREADS} is one merge. */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            child(Path.of(args[1]), Path.of(args[2]), args[3], args.length > 4 && args[4].equals("--no-sync"));
            return;
        }
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
                }
            }
        }
        StringBuilder summary = new StringBuilder();
        best.forEach((key, res) -> summary.append(String.format(Locale.ROOT,
                "%s %.2f s (%.1f x cat, %.1f x io; stream %.2f s, %.1f x cat); ", key, res.wall, res.ratio(),
                res.ioRatio(), res.stream, res.stream / res.cat)));
        System.out.printf(Locale.ROOT, "%speak anon RSS %d MiB (%.2f GiB inputs, -Xmx%s, load %s)%n", summary, peakAnon,
                inputBytes / (double) (1L << 30), HEAP, loadAverage());
        System.out.println("best of " + REPEATS + " runs each (peak anon: highest of all runs); x cat = merge wall time / cat"
                + " wall time of the same inputs measured just before it, from the page cache (warm) or from disk after"
                + " dropping the page cache (cold, only when run as root); wall = the whole command from the start of"
                + " `crucible merge` (recipe, checks, actor system, merge, model files, rename), stream = the merge stream"
                + " alone (first tensor read to last byte synced), the part that grows with model size; io = the I/O floor, cat + dd writing an output"
                + " of the same size, with fsync unless the row is -ns (--no-sync); peak anon = RssAnon (statm resident - shared) sampled every 10 ms (heap"
                + " + JVM + native buffers); VmHWM also counts the page-cache pages of the memory-mapped inputs, which"
                + " the kernel can drop at any time");
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
    private record Result(double wall, double cat, double io, long anonMiB, double stream) {

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
        if (Files.exists(out)) {
            deleteTree(out);
        }
        if (cold) {
            dropCaches();
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx" + HEAP, "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                MergeBench.class.getName(), "--child", recipe.toString(), out.toString(), Integer.toString(threads),
                sync ? "--sync" : "--no-sync")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(name + " merge failed:\n" + output);
        }
        String result = output.lines().filter(l -> l.startsWith("RESULT ")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no RESULT line:\n" + output));
        String[] f = result.split(" ");
        double wall = Double.parseDouble(f[1]);
        double stream = Double.parseDouble(f[5]);
        System.out.printf(Locale.ROOT, "%-7s %-7s %6s %8.2f %8s %8.2f %7.2f %7.1f %8.1f %6dx %7.2f %7.1f %14s %10s %6s%n",
                name, (cold ? "cold" : "warm") + (sync ? "" : "-ns"), HEAP, wall, f[4], stream, cat, wall / cat, stream / cat, target, io,
                wall / io, f[2], f[3], loadAverage());
        return new Result(wall, cat, io, Long.parseLong(f[2]), stream);
    }

    /** One merge through the real command, with a thread sampling anonymous resident memory. */
    private static void child(Path recipe, Path out, String threads, boolean noSync) throws Exception {
        AtomicLong peakAnon = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peakAnon.accumulateAndGet(anonKb(), Math::max);
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        long start = System.nanoTime();
        CommandLine cli = new CommandLine(new MergeCommand());
        StringWriter said = new StringWriter();
        cli.setOut(new PrintWriter(said));
        List<String> cliArgs = new ArrayList<>(List.of(recipe.toString(), out.toString(), "--force", "--threads", threads));
        if (noSync) {
            cliArgs.add("--no-sync");
        }
        int code = cli.execute(cliArgs.toArray(String[]::new));
        double wall = (System.nanoTime() - start) / 1e9;
        sampler.interrupt();
        peakAnon.accumulateAndGet(Math.max(anonKb(), statusKb("RssAnon:")), Math::max);
        if (code != 0) {
            System.exit(code);
        }
        double cpu = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis() / 1e3).orElse(Double.NaN);
        // "merged N tensors (...) into DIR in S s": the stream alone, without start-up, planning and clean-up.
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(" in ([0-9.]+) s").matcher(said.toString());
        double stream = m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
        System.out.printf(Locale.ROOT, "RESULT %.3f %d %d %.1f %.2f%n", wall, peakAnon.get() / 1024,
                statusKb("VmHWM:") / 1024, cpu, stream);
    }

    /**
     * Anonymous resident memory from {@code /proc/self/statm} (resident minus file-backed and shared pages,
     * the same figure as RssAnon), which is one short line and so cheap enough to sample every 10 ms.
     */
    private static long anonKb() {
        try {
            String[] pages = Files.readString(Path.of("/proc/self/statm")).trim().split(" ");
            return (Long.parseLong(pages[1]) - Long.parseLong(pages[2])) * 4;
        } catch (IOException e) {
            return 0;
        }
    }

    private static long statusKb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
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

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
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
        if (Files.isRegularFile(dir.resolve("config.json"))) {
            return dir;
        }
        Files.createDirectories(dir);
        List<TensorInfo> plan = new ArrayList<>();
        plan.add(new TensorInfo("model.embed_tokens.weight", DType.BF16, new long[] {VOCAB, HIDDEN}));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
                plan.add(new TensorInfo(p + "self_attn." + proj + ".weight", DType.BF16, new long[] {HIDDEN, HIDDEN}));
            }
            plan.add(new TensorInfo(p + "mlp.gate_proj.weight", DType.BF16, new long[] {INTERMEDIATE, HIDDEN}));
            plan.add(new TensorInfo(p + "mlp.up_proj.weight", DType.BF16, new long[] {INTERMEDIATE, HIDDEN}));
            plan.add(new TensorInfo(p + "mlp.down_proj.weight", DType.BF16, new long[] {HIDDEN, INTERMEDIATE}));
            plan.add(new TensorInfo(p + "input_layernorm.weight", DType.BF16, new long[] {HIDDEN}));
            plan.add(new TensorInfo(p + "post_attention_layernorm.weight", DType.BF16, new long[] {HIDDEN}));
        }
        plan.add(new TensorInfo("model.norm.weight", DType.BF16, new long[] {HIDDEN}));
        plan.add(new TensorInfo("lm_head.weight", DType.BF16, new long[] {VOCAB, HIDDEN}));
        try (SafetensorsWriter writer = SafetensorsWriter.create(dir, plan, 5L << 30, Map.of("format", "pt"))) {
            SplittableRandom random = new SplittableRandom(seed);
            for (TensorInfo info : plan) {
                float[] values = new float[Math.toIntExact(info.elementCount())];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (random.nextDouble() - 0.5) * 0.04f;
                }
                writer.write(info.name(), values);
            }
            writer.finish();
        }
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": %d,
                 "intermediate_size": %d, "num_hidden_layers": %d, "num_attention_heads": 16,
                 "num_key_value_heads": 16, "vocab_size": %d, "torch_dtype": "bfloat16"}
                """.formatted(HIDDEN, INTERMEDIATE, layers, VOCAB));
        return dir;
    }
}
