package dev.crucible.lora;

import dev.crucible.fixtures.GeneratedLlama;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Benchmark (not a test): {@code extract-lora} of a 1 GiB llama-shaped bf16 "fine-tune" (the base plus a rank-16
 * change and a little noise on every matrix) against its base, both generated on first use (the shapes of
 * {@code MergeBench}'s models). Prints the wall time of the command and the JVM's peak RSS (VmHWM).
 * Usage: {@code bench/main.sh pipeline dev.crucible.lora.ExtractLoraBench [DIR [MAX_RANK [LAYERS]]]}.
 */
public final class ExtractLoraBench {

    private static final int HIDDEN = 2048;
    private static final int INTERMEDIATE = 5632;
    private static final int VOCAB = 8192;
    private static final int TRUE_RANK = 16;

    private ExtractLoraBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/crucible-bench-lora");
        String rank = args.length > 1 ? args[1] : "16";
        int layers = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        Path base = generate(dir.resolve("base"), layers, false);
        Path ft = generate(dir.resolve("ft"), layers, true);
        Path out = dir.resolve("lora-" + rank);
        long start = System.nanoTime();
        int code = new CommandLine(new ExtractLoraCommand()).execute("--model", ft.toString(), "--base-model",
                base.toString(), "--out-path", out.toString(), "--max-rank", rank, "--force");
        double seconds = (System.nanoTime() - start) / 1e9;
        String hwm = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
                .findFirst().orElse("VmHWM: ?");
        System.out.printf(Locale.ROOT, "extract-lora --max-rank %s of %d layers (%.2f GiB per model): exit %d, %.1f s,"
                + " peak RSS %s, %d cores%n", rank, layers, Files.size(base.resolve("model.safetensors"))
                / (double) (1L << 30), code, seconds, hwm.replaceAll("VmHWM:\\s*", ""),
                Runtime.getRuntime().availableProcessors());
    }

    private static Path generate(Path dir, int layers, boolean fineTune) throws IOException {
        return new GeneratedLlama(VOCAB, HIDDEN, INTERMEDIATE, layers, 16).writeIfAbsent(dir, (info, values) -> {
            // The same seed per tensor for base and fine-tune: the fine-tune is the base plus its change.
            SplittableRandom random = new SplittableRandom(info.name().hashCode());
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (random.nextDouble() - 0.5) * 0.04f;
            }
            if (fineTune && info.shape().length == 2) {
                addLowRankChange(values, (int) info.shape()[0], (int) info.shape()[1], random);
            }
        }, "");
    }

    /** values += U·V (rank {@value #TRUE_RANK}, about a tenth of the weights' scale) + noise. */
    private static void addLowRankChange(float[] values, int rows, int cols, SplittableRandom random) {
        float[] u = new float[rows * TRUE_RANK];
        float[] v = new float[TRUE_RANK * cols];
        for (int i = 0; i < u.length; i++) {
            u[i] = (float) (random.nextDouble() - 0.5) * 0.02f;
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextDouble() - 0.5) * 0.02f;
        }
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < TRUE_RANK; k++) {
                float f = u[i * TRUE_RANK + k];
                for (int j = 0; j < cols; j++) {
                    values[i * cols + j] += f * v[k * cols + j];
                }
            }
            for (int j = 0; j < cols; j++) {
                values[i * cols + j] += (float) (random.nextDouble() - 0.5) * 0.0004f;
            }
        }
    }
}
