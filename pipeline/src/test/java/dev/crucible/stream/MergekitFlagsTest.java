package dev.crucible.stream;

import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.Zoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** A mergekit-yaml command line runs unchanged: mergekit's flags with mergekit's meaning (mergekit/options.py). */
class MergekitFlagsTest {

    @TempDir
    Path dir;

    private String err = "";

    private int merge(String... args) {
        MergeCli run = MergeCli.run(args);
        err = run.err();
        return run.code();
    }

    private Path recipe(String method) throws IOException {
        Path file = dir.resolve(method + ".yml");
        Files.writeString(file, """
                merge_method: %s
                base_model: %s
                models:
                  - model: %s
                    parameters: {weight: 1.0, density: 0.5}
                dtype: bfloat16
                """.formatted(method, Zoo.model("base").toAbsolutePath(), Zoo.model("expert-add").toAbsolutePath()));
        return file;
    }

    private static byte[] weights(Path model) throws IOException {
        return Files.readAllBytes(model.resolve("model.safetensors"));
    }

    @Test
    void everyMergekitFlagIsAcceptedAndThoseWithoutUseHereSaySoInOneLine() throws IOException {
        Path out = dir.resolve("out");
        assertThat(merge(recipe("task_arithmetic").toString(), out.toString(), "--allow-crimes", "--lazy-unpickle",
                "--copy-tokenizer", "--cuda", "--random-seed", "3", "-j", "2", "--write-model-card",
                "--trust-remote-code", "-v", "--transformers-cache", "/tmp/hf", "--lora-merge-cache", "/tmp/lora",
                "--lora-merge-dtype", "bfloat16", "--device", "cuda", "--low-cpu-memory", "--out-shard-size", "5B",
                "--clone-tensors", "--no-safe-serialization", "--quiet", "--read-to-gpu", "--multi-gpu",
                "--gpu-rich", "--async-write", "--write-threads", "2")).as(() -> err).isZero();
        List<String> notes = err.lines().filter(l -> l.startsWith("note: ")).toList();
        assertThat(notes).hasSize(13).anyMatch(l -> l.startsWith("note: --cuda: "))
                .anyMatch(l -> l.startsWith("note: --lazy-unpickle: "))
                .anyMatch(l -> l.startsWith("note: --trust-remote-code: "))
                .anyMatch(l -> l.startsWith("note: --no-safe-serialization: "));
        // -v lists each tensor as it is written.
        assertThat(err).contains("] model.embed_tokens.weight").contains("] lm_head.weight");
        assertThat(out.resolve("tokenizer.json")).exists();
        assertThat(out.resolve("README.md")).exists();
        assertThat(out.resolve("mergekit_config.yml")).hasContent(Files.readString(dir.resolve("task_arithmetic.yml")));
    }

    @Test
    void withoutFlagsNoNoteIsPrinted() throws IOException {
        assertThat(merge(recipe("task_arithmetic").toString(), dir.resolve("out").toString())).as(() -> err).isZero();
        assertThat(err).doesNotContain("note:");
    }

    @Test
    void noCopyTokenizerLeavesTheTokenizerOutAsMergekitDoes() throws IOException {
        Path out = dir.resolve("out");
        assertThat(merge(recipe("task_arithmetic").toString(), out.toString(), "--no-copy-tokenizer"))
                .as(() -> err).isZero();
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "config.json", "model.safetensors", "README.md", "mergekit_config.yml");
        }
    }

    @Test
    void noWriteModelCardLeavesOutTheCardAndTheRecipeCopy() throws IOException {
        Path out = dir.resolve("out");
        assertThat(merge(recipe("task_arithmetic").toString(), out.toString(), "--no-write-model-card"))
                .as(() -> err).isZero();
        assertThat(out.resolve("README.md")).doesNotExist();
        assertThat(out.resolve("mergekit_config.yml")).doesNotExist();
        assertThat(out.resolve("tokenizer.json")).exists();
    }

    @Test
    void randomSeedIsTheSeedAndNumThreadsTheThreads() throws IOException {
        Path recipe = recipe("dare_ties");
        assertThat(merge(recipe.toString(), dir.resolve("a").toString(), "--random-seed", "7", "-j", "1"))
                .as(() -> err).isZero();
        assertThat(merge(recipe.toString(), dir.resolve("b").toString(), "--seed", "7", "--threads", "2"))
                .as(() -> err).isZero();
        assertThat(merge(recipe.toString(), dir.resolve("c").toString(), "--seed", "8")).as(() -> err).isZero();
        assertThat(weights(dir.resolve("a"))).isEqualTo(weights(dir.resolve("b")));
        assertThat(weights(dir.resolve("a"))).isNotEqualTo(weights(dir.resolve("c")));
    }

    @Test
    void disagreeingSeedsOrThreadCountsAreRefused() throws IOException {
        Path recipe = recipe("dare_ties");
        assertThat(merge(recipe.toString(), dir.resolve("a").toString(), "--seed", "1", "--random-seed", "2"))
                .isEqualTo(2);
        assertThat(err.strip()).isEqualTo("error: --seed 1 and --random-seed 2 disagree; give one of them");
        assertThat(merge(recipe.toString(), dir.resolve("a").toString(), "--threads", "1", "-j", "2")).isEqualTo(2);
        assertThat(err.strip()).startsWith("error: --threads 1 and --num-threads 2 disagree");
        assertThat(merge(recipe.toString(), dir.resolve("a").toString(), "-j", "0")).isEqualTo(2);
        assertThat(err.strip()).isEqualTo("error: --num-threads: must be at least 1, got 0");
    }

    @Test
    void outShardSizeFollowsMergekitsParseKmb() throws IOException {
        Path recipe = recipe("task_arithmetic");
        // 1000K is 10^6 bytes (mergekit), not 1000 KiB: every shard's tensors fit in 10^6 bytes.
        Path out = dir.resolve("sharded");
        assertThat(merge(recipe.toString(), out.toString(), "--out-shard-size", "1000K")).as(() -> err).isZero();
        try (Checkpoint c = Checkpoint.open(out)) {
            assertThat(c.files()).hasSizeGreaterThan(1);
            for (Path shard : c.files()) {
                long bytes = c.infos().stream().filter(i -> c.fileOf(i.name()).equals(shard))
                        .mapToLong(i -> i.byteSize()).sum();
                assertThat(bytes).as(shard.toString()).isLessThanOrEqualTo(1_000_000L);
            }
        }
        // 5B is five billion bytes: one file.
        Path whole = dir.resolve("whole");
        assertThat(merge(recipe.toString(), whole.toString(), "--out-shard-size", "5B")).as(() -> err).isZero();
        assertThat(whole.resolve("model.safetensors")).exists();
        assertThat(merge(recipe.toString(), dir.resolve("x").toString(), "--out-shard-size", "5 parsecs"))
                .isEqualTo(2);
        assertThat(err.strip()).startsWith("error: --out-shard-size: size '5 parsecs' is not understood");
    }
}
