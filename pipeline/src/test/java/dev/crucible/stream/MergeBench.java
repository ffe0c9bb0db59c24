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
 * llama-shaped bf16 models of over 1 GiB each, times {@code cat} of their files (warm page cache) as
 * the raw-read baseline, then runs {@code crucible merge} for linear and ties in child JVMs limited to
 * {@code -Xmx1g}, printing wall time as a ratio to the baseline and peak memory of the child.
 */
public final class MergeBench {

    private static final int HIDDEN = 2048;
    private static final int INTERMEDIATE = 5632;
    private static final int LAYERS = 10;
    private static final int VOCAB = 8192;

    private MergeBench() {
    }

    /** {@code MergeBench [DIR]} runs the benchmark; {@code MergeBench --child RECIPE OUT THREADS} is one merge. */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            child(Path.of(args[1]), Path.of(args[2]), args[3]);
            return;
        }
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/crucible-bench");
        int threads = Runtime.getRuntime().availableProcessors();
        Path a = generate(dir.resolve("model-a"), 1);
        Path b = generate(dir.resolve("model-b"), 2);
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
        double cat = Math.min(catSeconds(inputs), catSeconds(inputs));
        System.out.printf(Locale.ROOT, "inputs: 2 models, %.2f GiB in all (bf16, hidden %d, %d layers, vocab %d)%n",
                inputBytes / (double) (1L << 30), HIDDEN, LAYERS, VOCAB);
        System.out.printf(Locale.ROOT, "cat of the inputs (warm cache): %.2f s; %d cores, load average %s%n", cat,
                threads, Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        System.out.printf(Locale.ROOT, "%-7s %6s %8s %8s %7s %7s %14s %10s%n", "method", "heap", "wall s", "cpu s",
                "x cat", "target", "peak anon MiB", "VmHWM MiB");
        run("linear", "1g", linear, dir.resolve("out-linear"), threads, cat, 2);
        run("ties", "1g", ties, dir.resolve("out-ties"), threads, cat, 4);
        run("linear", "512m", linear, dir.resolve("out-linear"), threads, cat, 2);
        System.out.println("peak anon = heap + JVM overhead (RssAnon, sampled every 10 ms); VmHWM also counts the"
                + " page-cache pages of the memory-mapped inputs, which the kernel can drop at any time");
    }

    private static void run(String name, String heap, Path recipe, Path out, int threads, double cat, int target)
            throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx" + heap, "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                MergeBench.class.getName(), "--child", recipe.toString(), out.toString(), Integer.toString(threads))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(name + " merge failed:\n" + output);
        }
        String result = output.lines().filter(l -> l.startsWith("RESULT ")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no RESULT line:\n" + output));
        String[] f = result.split(" ");
        double wall = Double.parseDouble(f[1]);
        System.out.printf(Locale.ROOT, "%-7s %6s %8.2f %8s %7.1f %6dx %14s %10s%n", name, heap, wall, f[4], wall / cat,
                target, f[2], f[3]);
    }

    /** One merge through the real command, with a thread sampling anonymous resident memory. */
    private static void child(Path recipe, Path out, String threads) throws Exception {
        AtomicLong peakAnon = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peakAnon.accumulateAndGet(statusKb("RssAnon:"), Math::max);
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
        cli.setOut(new PrintWriter(new StringWriter()));
        int code = cli.execute(recipe.toString(), out.toString(), "--force", "--threads", threads);
        double wall = (System.nanoTime() - start) / 1e9;
        sampler.interrupt();
        peakAnon.accumulateAndGet(statusKb("RssAnon:"), Math::max);
        if (code != 0) {
            System.exit(code);
        }
        double cpu = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis() / 1e3).orElse(Double.NaN);
        System.out.printf(Locale.ROOT, "RESULT %.3f %d %d %.1f%n", wall, peakAnon.get() / 1024, statusKb("VmHWM:") / 1024,
                cpu);
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
    private static Path generate(Path dir, long seed) throws IOException {
        if (Files.isRegularFile(dir.resolve("config.json"))) {
            return dir;
        }
        Files.createDirectories(dir);
        List<TensorInfo> plan = new ArrayList<>();
        plan.add(new TensorInfo("model.embed_tokens.weight", DType.BF16, new long[] {VOCAB, HIDDEN}));
        for (int l = 0; l < LAYERS; l++) {
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
                """.formatted(HIDDEN, INTERMEDIATE, LAYERS, VOCAB));
        return dir;
    }
}
