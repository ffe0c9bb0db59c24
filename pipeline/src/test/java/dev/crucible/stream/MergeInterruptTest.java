package dev.crucible.stream;

import dev.crucible.fixtures.GeneratedLlama;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real {@code merge} process stopped after its first tensor is written (SIGTERM, SIGINT) leaves no staging
 * folder and no output; one killed with kill -9 leaves its staging folder, which the next merge into the same
 * target removes. The inputs are two generated 15 MB models of 75 tensors, so the merge has many tensors still to
 * write when the signal arrives.
 */
class MergeInterruptTest {

    private static final int HIDDEN = 256;
    private static final int INTERMEDIATE = 704;
    private static final int VOCAB = 2048;
    private static final int LAYERS = 8;

    @TempDir
    static Path models;

    @TempDir
    Path dir;

    @BeforeAll
    static void generateModels() throws IOException {
        generate(models.resolve("base"), 1);
        generate(models.resolve("expert"), 2);
        Files.writeString(models.resolve("recipe.yml"), """
                merge_method: ties
                base_model: base
                models:
                  - model: expert
                    parameters: {weight: 1.0, density: 0.5}
                dtype: bfloat16
                """);
    }

    private static void generate(Path dir, long seed) throws IOException {
        new GeneratedLlama(VOCAB, HIDDEN, INTERMEDIATE, LAYERS, 8).writeIfAbsent(dir, GeneratedLlama.uniform(seed), "");
    }

    /** Starts a merge into {@code out} and returns once it has written its first tensor (it reports each with -v). */
    private static Process startMerge(Path out) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                MergeProcess.class.getName(), models.resolve("recipe.yml").toString(), out.toString(),
                "--threads", "1", "-v").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = err.readLine()) != null && !line.startsWith("[1/")) {
            // Start-up output (the JVM's notes) before the first tensor.
        }
        assertThat(line).as("the merge's first tensor line").isNotNull();
        // Keep draining stderr so that the merge never blocks on a full pipe.
        Thread.ofPlatform().daemon().start(() -> {
            try {
                err.lines().forEach(l -> { });
            } catch (java.io.UncheckedIOException closed) {
                // The process ended.
            }
        });
        return p;
    }

    private List<String> entries() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test
    void sigtermMidMergeLeavesNothingBehind() throws Exception {
        Process p = startMerge(dir.resolve("out"));
        p.destroy();
        assertThat(p.waitFor()).as("stopped by SIGTERM before it finished").isEqualTo(143);
        assertThat(entries()).isEmpty();
    }

    @Test
    void sigintMidMergeLeavesNothingBehind() throws Exception {
        Process p = startMerge(dir.resolve("out"));
        assertThat(new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor()).isZero();
        assertThat(p.waitFor()).as("stopped by SIGINT before it finished").isEqualTo(130);
        assertThat(entries()).isEmpty();
    }

    @Test
    void theNextMergeRemovesWhatAKilledOneLeft() throws Exception {
        Process p = startMerge(dir.resolve("out"));
        p.destroyForcibly();
        p.waitFor();
        assertThat(entries()).singleElement().asString().startsWith(".out.tmp-" + p.pid() + "-");
        Process next = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), MergeProcess.class.getName(),
                models.resolve("recipe.yml").toString(), dir.resolve("out").toString(), "--no-sync")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        assertThat(next.waitFor()).isZero();
        assertThat(entries()).containsExactly("out");
    }
}
