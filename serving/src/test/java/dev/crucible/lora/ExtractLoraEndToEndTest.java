package dev.crucible.lora;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.cli.CliRun;
import dev.crucible.fixtures.Fixtures;
import dev.crucible.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crucible extract-lora} as a user runs it: extract the add skill from the zoo's expert as a LoRA against
 * its base, apply it with {@code model: BASE+ADAPTER} in a recipe, and the merged model adds; mistakes are one
 * line and never touch an input.
 */
class ExtractLoraEndToEndTest {

    private static final Path ZOO = Fixtures.zoo();

    @TempDir
    Path dir;

    @Test
    void anExtractedAdapterOnTheBaseAddsAgain() throws IOException {
        Path adapter = dir.resolve("add-lora");
        CliRun extracted = CliRun.crucible("extract-lora", "--model", ZOO.resolve("expert-add").toString(),
                "--base-model", ZOO.resolve("base").toString(), "--out-path", adapter.toString(), "--max-rank", "32");
        assertThat(extracted.code()).as(extracted.err()).isZero();
        assertThat(extracted.out()).contains("extracted 28 modules at rank <= 32 and saved 11 whole").contains(adapter.toString());
        assertThat(extracted.err()).contains("warning: adding embed_tokens to modules_to_save");
        try (Stream<Path> files = Files.list(adapter)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("adapter_config.json", "adapter_model.safetensors", "README.md");
        }
        assertThat(Files.readString(adapter.resolve("README.md")))
                .contains("crucible extract-lora --model " + ZOO.resolve("expert-add"));

        Path recipe = Files.writeString(dir.resolve("recipe.yml"),
                "merge_method: passthrough\nmodels:\n  - model: " + ZOO.resolve("base") + "+add-lora\n");
        CliRun merged = CliRun.crucible("merge", recipe.toString(), dir.resolve("base-plus-add").toString());
        assertThat(merged.code()).as(merged.err()).isZero();

        CliRun eval = CliRun.crucible("eval", dir.resolve("base-plus-add").toString(), "--task",
                "add=" + ZOO.resolve("add_test.jsonl"), "--limit", "100", "--json");
        assertThat(eval.code()).as(eval.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(eval.out());
        // The zoo's base scores 0.146 on add_test and expert-add 0.97; rank 32 of 128 keeps the skill.
        assertThat(report.findValue("add").path("score").asDouble()).isGreaterThan(0.8);
    }

    @Test
    void withoutDistributeScaleTheSingularValuesGoIntoA() throws IOException {
        Path adapter = dir.resolve("lora");
        CliRun r = CliRun.crucible("extract-lora", "--model", ZOO.resolve("expert-add").toString(), "--base-model",
                ZOO.resolve("base").toString(), "--out-path", adapter.toString(), "--max-rank", "4",
                "--no-distribute-scale", "-i", "layers\\.0\\.self_attn\\.q_proj", "--skip-undecomposable");
        assertThat(r.code()).as(r.err()).isZero();
        try (SafetensorsFile f = SafetensorsFile.open(adapter.resolve("adapter_model.safetensors"))) {
            List<String> names = new ArrayList<>();
            f.tensors().forEach(t -> names.add(t.name()));
            // Embeddings and the head go to modules_to_save (no --embed-lora); --include-regex picks one module.
            assertThat(names).containsExactlyInAnyOrder(
                    "base_model.model.model.embed_tokens.weight", "base_model.model.lm_head.weight",
                    "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                    "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight");
            // B = U: orthonormal columns (up to bf16 rounding).
            float[] b = f.tensor("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight").toFloats();
            for (int k = 0; k < 4; k++) {
                double norm = 0;
                for (int i = 0; i < 128; i++) {
                    norm += (double) b[i * 4 + k] * b[i * 4 + k];
                }
                assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.01));
            }
        }
    }

    @Test
    void anOutputOnOrAroundAnInputIsRefusedAndTheInputsStayAsTheyWere() throws IOException {
        Path ft = dir.resolve("models/ft");
        Path base = dir.resolve("models/base");
        copy(ZOO.resolve("expert-add"), ft);
        copy(ZOO.resolve("base"), base);
        List<String> before = listing(dir.resolve("models"));
        for (Path out : List.of(ft, base.resolve("lora"), dir.resolve("models"))) {
            CliRun r = CliRun.crucible("extract-lora", "--model", ft.toString(), "--base-model", base.toString(),
                    "--out-path", out.toString(), "--force");
            assertThat(r.code()).as(out.toString()).isEqualTo(2);
            assertThat(r.err().strip()).startsWith("error: --out-path: ").doesNotContain("\n");
        }
        assertThat(listing(dir.resolve("models"))).isEqualTo(before);

        CliRun missing = CliRun.crucible("extract-lora", "--model", dir.resolve("nope").toString(), "--base-model",
                base.toString(), "--out-path", dir.resolve("x").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err().strip()).isEqualTo("error: --model: model folder not found: " + dir.resolve("nope"));
        CliRun badRegex = CliRun.crucible("extract-lora", "--model", ft.toString(), "--base-model", base.toString(),
                "--out-path", dir.resolve("x").toString(), "-e", "(");
        assertThat(badRegex.err().strip()).startsWith("error: --exclude-regex: '(' is not a valid regex");
        assertThat(Files.exists(dir.resolve("x"))).isFalse();
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    /** Every file under {@code root} with its size and content hash. */
    private static List<String> listing(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            List<String> out = new ArrayList<>();
            for (Path f : files.sorted().toList()) {
                out.add(root.relativize(f) + (Files.isRegularFile(f)
                        ? " " + java.util.Arrays.hashCode(Files.readAllBytes(f)) : "/"));
            }
            return out;
        }
    }
}
