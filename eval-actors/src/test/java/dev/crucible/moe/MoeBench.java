package dev.crucible.moe;

import dev.crucible.fixtures.GeneratedLlama;
import dev.crucible.runtime.Zoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Benchmark of {@code crucible moe} (not a test): a base and two experts, llama-shaped bf16 models with random
 * weights of just over 1 GiB each (the shapes of {@code MergeBench}, with the zoo's tokenizer), built into a
 * 2-expert MoE with the given gate mode and prompts per expert; prints wall time and the JVM's peak RSS.
 * Usage: {@code MoeBench WORK_DIR GATE_MODE PROMPTS} (bench/moe.sh).
 */
public final class MoeBench {

    private static final int HIDDEN = 2048;
    private static final int INTERMEDIATE = 5632;
    private static final int VOCAB = 8192;
    private static final int LAYERS = 10;

    private MoeBench() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/crucible-moe-bench");
        String mode = args.length > 1 ? args[1] : "hidden";
        int prompts = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Path base = generate(dir.resolve("base"), 1);
        Path a = generate(dir.resolve("expert-a"), 2);
        Path b = generate(dir.resolve("expert-b"), 3);
        boolean full = mode.equals("calibrated");
        List<String> addPrompts = new ArrayList<>();
        List<String> revPrompts = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < prompts; i++) {
            int x = r.nextInt(100);
            int y = r.nextInt(100);
            addPrompts.add("add " + x + " " + y + " =" + (full ? " " + (x + y) : ""));
            String word = Integer.toString(r.nextInt(1_000_000), 26).replaceAll("[0-9]", "x");
            revPrompts.add("rev " + word + " =" + (full ? " " + new StringBuilder(word).reverse() : ""));
        }
        String yaml = "base_model: " + base + "\ngate_mode: " + mode + "\nexperts_per_token: 1\nexperts:\n"
                + "  - source_model: " + a + "\n    positive_prompts: " + ZooMoe.yamlList(addPrompts) + "\n"
                + "  - source_model: " + b + "\n    positive_prompts: " + ZooMoe.yamlList(revPrompts) + "\n";
        Path out = dir.resolve("moe-" + mode);
        MoeConfig config = MoeConfigParser.parse(yaml, dir, "bench.yml", false);
        long start = System.nanoTime();
        MoeBuild.Result result = MoeBuild.build(config, out, new MoeBuild.Options(0, 5L << 30, true, true),
                ProgressPrinter.to(System.err));
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "moe %s, 2 experts x %d prompts, 3 inputs of %.2f GiB: %.1f s, %s, peak RSS %s%n",
                mode, prompts, Files.size(base.resolve("model.safetensors")) / (double) (1L << 30), seconds,
                dev.crucible.safetensors.ByteSize.format(result.bytes()), peakRss());
    }

    private static String peakRss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                return (kb >> 10) + " MiB";
            }
        }
        return "unknown";
    }

    private static Path generate(Path dir, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        new GeneratedLlama(VOCAB, HIDDEN, INTERMEDIATE, LAYERS, 16).writeIfAbsent(dir, (info, values) -> {
            boolean norm = info.name().contains("norm");
            for (int i = 0; i < values.length; i++) {
                values[i] = norm ? 1f : (float) (random.nextDouble() - 0.5) * 0.04f;
            }
        }, """
                , "rms_norm_eps": 1e-5, "max_position_embeddings": 256, "bos_token_id": 1, "eos_token_id": 2,
                 "pad_token_id": 0""");
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
            Files.copy(Zoo.model("base").resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        return dir;
    }
}
