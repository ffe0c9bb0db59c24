package dev.crucible.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.cli.CrucibleMain;
import dev.crucible.fixtures.Fixtures;
import dev.crucible.remerge.Decision;
import dev.crucible.remerge.HistoryEntry;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.SafetensorsFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * LoRA re-basing with {@code crucible run}: the add skill is extracted once as an adapter against the zoo's base,
 * and the app's recipe {@code model: ${BASE}+add-lora} re-applies it to every new base. The first champion is
 * base-v2 + adapter; the base the adapter came from then appears, its merge adds far better and is promoted.
 * Each candidate's adapted weights are its own base's plus B·A.
 */
class LoraRebaseRunTest {

    private static final Path ZOO = Fixtures.zoo();
    private static final String MODULE = "model.layers.2.mlp.down_proj";

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void theAdapterIsReappliedToEachNewBase() throws Exception {
        CommandLine cli = CrucibleMain.commandLine();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("extract-lora", "--model", ZOO.resolve("expert-add").toString(), "--base-model",
                ZOO.resolve("base").toString(), "--out-path", dir.resolve("add-lora").toString(), "--max-rank", "32");
        assertThat(code).as(err.toString()).isZero();
        Files.writeString(dir.resolve("recipe.yml"), """
                merge_method: passthrough
                models:
                  - model: ${BASE}+add-lora
                dtype: float32
                """);
        Files.createDirectories(dir.resolve("bases"));
        Path app = Files.writeString(dir.resolve("app.yml"), """
                serve: {host: 127.0.0.1, port: 0}
                recipe: recipe.yml
                initial_base: %s
                bases_dir: bases
                tasks:
                  - {name: add, path: %s, limit: 64}
                gates: {max_task_drop: 0.02}
                state_dir: state
                watch: {poll_seconds: 0.2, stable_seconds: 0.5}
                """.formatted(ZOO.resolve("base-v2"), ZOO.resolve("add_dev.jsonl")));
        AppConfig config = AppConfigParser.parse(app);
        try (RemergeApp running = RemergeApp.start(config, RemergeApp.serveConfig(config))) {
            HistoryEntry initial = running.service().history().getFirst();
            assertThat(initial.decision()).isEqualTo(Decision.INITIAL);
            assertAdapted(Path.of(initial.candidate()), ZOO.resolve("base-v2"));

            Path next = copy(ZOO.resolve("base"), config.basesDir().resolve("base-again"));
            eventually(() -> running.service().history().size() == 2);
            HistoryEntry remerged = running.service().history().get(1);
            assertThat(remerged.decision()).as(remerged.reasons().toString()).isEqualTo(Decision.PROMOTED);
            assertThat(remerged.scores().get("add").score()).isGreaterThan(initial.scores().get("add").score());
            assertAdapted(Path.of(remerged.candidate()), next);
        }
    }

    /** The candidate's adapted module is its base's weight plus B·A (scale 1), computed here in double. */
    private void assertAdapted(Path candidate, Path base) {
        try (Checkpoint merged = Checkpoint.open(candidate); Checkpoint b = Checkpoint.open(base);
             SafetensorsFile adapter = SafetensorsFile.open(dir.resolve("add-lora/adapter_model.safetensors"))) {
            float[] w = b.readFloats(MODULE + ".weight");
            float[] a = adapter.tensor("base_model.model." + MODULE + ".lora_A.weight").toFloats();
            float[] bb = adapter.tensor("base_model.model." + MODULE + ".lora_B.weight").toFloats();
            int rank = (int) adapter.info("base_model.model." + MODULE + ".lora_A.weight").shape()[0];
            long[] shape = b.info(MODULE + ".weight").shape();
            int cols = (int) shape[1];
            float[] actual = merged.readFloats(MODULE + ".weight");
            double worst = 0;
            for (int i = 0; i < shape[0]; i++) {
                for (int j = 0; j < cols; j++) {
                    double expected = w[i * cols + j];
                    for (int k = 0; k < rank; k++) {
                        expected += (double) bb[i * rank + k] * a[k * cols + j];
                    }
                    worst = Math.max(worst, Math.abs(actual[i * cols + j] - expected));
                }
            }
            assertThat(worst).as(candidate.toString()).isLessThan(1e-5);
        }
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        List<Path> files;
        try (Stream<Path> list = Files.list(from)) {
            files = list.sorted((x, y) -> Boolean.compare(x.endsWith("config.json"), y.endsWith("config.json")))
                    .toList();
        }
        for (Path f : files) {
            Files.copy(f, to.resolve(f.getFileName()));
        }
        return to;
    }

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 120 s");
            }
            Thread.sleep(50);
        }
    }
}
