package dev.crucible.moe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.error.CrucibleException;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Mixtral folder {@code crucible moe} writes: tensors, config, side files, and the refusals. */
class MoeBuildTest {

    @TempDir
    Path tmp;

    @Test
    void expertsAreTheSourceMlpsBitForBitAndEverythingElseIsTheBase() throws IOException {
        Path out = tmp.resolve("moe");
        MoeBuild.Result result = ZooMoe.build(ZooMoe.config("hidden", 1, "bfloat16", false), out);
        assertThat(result.target()).isEqualTo(out.toAbsolutePath().normalize());
        Path zoo2 = ZooMoe.zoo2();
        List<String> sources = List.of("expert-add", "expert-rev");
        Checkpoint[] experts = {Checkpoint.open(zoo2.resolve("expert-add")), Checkpoint.open(zoo2.resolve("expert-rev"))};
        try (Checkpoint moe = Checkpoint.open(out); Checkpoint base = Checkpoint.open(zoo2.resolve("base"))) {
            int nonMlp = 0;
            for (String name : base.tensorNames()) {
                if (name.contains(".mlp.")) {
                    assertThat(moe.contains(name)).as(name).isFalse();
                    continue;
                }
                nonMlp++;
                assertThat(bytes(moe, name)).as(name).isEqualTo(bytes(base, name));
            }
            for (int l = 0; l < 4; l++) {
                for (int e = 0; e < 2; e++) {
                    String p = "model.layers." + l + ".block_sparse_moe.experts." + e + ".";
                    String src = "model.layers." + l + ".mlp.";
                    assertThat(bytes(moe, p + "w1.weight")).as(sources.get(e)).isEqualTo(bytes(experts[e], src + "gate_proj.weight"));
                    assertThat(bytes(moe, p + "w3.weight")).isEqualTo(bytes(experts[e], src + "up_proj.weight"));
                    assertThat(bytes(moe, p + "w2.weight")).isEqualTo(bytes(experts[e], src + "down_proj.weight"));
                }
                assertThat(moe.info("model.layers." + l + ".block_sparse_moe.gate.weight").shape()).containsExactly(2, 128);
                // the experts differ from each other (else the test could not tell them apart)
                assertThat(bytes(experts[0], "model.layers." + l + ".mlp.up_proj.weight"))
                        .isNotEqualTo(bytes(experts[1], "model.layers." + l + ".mlp.up_proj.weight"));
            }
            assertThat(moe.tensorNames()).hasSize(nonMlp + 4 * (1 + 2 * 3));
            assertThat(moe.infos()).allSatisfy(t -> assertThat(t.dtype()).isEqualTo(DType.BF16));
        } finally {
            for (Checkpoint c : experts) {
                c.close();
            }
        }
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertThat(config.get("architectures").get(0).asText()).isEqualTo("MixtralForCausalLM");
        assertThat(config.get("model_type").asText()).isEqualTo("mixtral");
        assertThat(config.get("num_local_experts").asInt()).isEqualTo(2);
        assertThat(config.get("num_experts_per_tok").asInt()).isEqualTo(1);
        assertThat(config.get("sliding_window").isNull()).isTrue();
        assertThat(config.get("torch_dtype").asText()).isEqualTo("bfloat16");
        assertThat(config.get("hidden_size").asInt()).isEqualTo(128);
        assertThat(out.resolve("tokenizer.json")).exists();
        assertThat(Files.readString(out.resolve("README.md"))).contains("gate_mode: hidden", "expert-rev");
        assertThat(Files.readString(out.resolve("mergekit_moe_config.yml"))).startsWith("base_model:");
        assertThat(Files.list(tmp).map(p -> p.getFileName().toString())).as("no staging left").containsExactly("moe");
    }

    @Test
    void noiseScaleAddsGaussianNoiseAndResidualScaleMultipliesTheDownProjection() {
        Path out = tmp.resolve("moe");
        String yaml = ZooMoe.config("cheap_embed", 2, "float32", false)
                .replace("  - source_model: " + ZooMoe.zoo2().resolve("expert-rev") + "\n",
                        "  - source_model: " + ZooMoe.zoo2().resolve("expert-rev") + "\n    noise_scale: 0.01\n")
                .replace("  - source_model: " + ZooMoe.zoo2().resolve("expert-add") + "\n",
                        "  - source_model: " + ZooMoe.zoo2().resolve("expert-add") + "\n    residual_scale: 2.0\n");
        ZooMoe.build(yaml, out);
        try (Checkpoint moe = Checkpoint.open(out); Checkpoint add = Checkpoint.open(ZooMoe.zoo2().resolve("expert-add"));
             Checkpoint rev = Checkpoint.open(ZooMoe.zoo2().resolve("expert-rev"))) {
            String src = "model.layers.2.mlp.";
            String p = "model.layers.2.block_sparse_moe.experts.";
            float[] down = add.readFloats(src + "down_proj.weight");
            float[] scaled = moe.readFloats(p + "0.w2.weight");
            for (int i = 0; i < down.length; i++) {
                assertThat(scaled[i]).isEqualTo(2 * down[i]);
            }
            assertThat(moe.readFloats(p + "0.w1.weight")).containsExactly(add.readFloats(src + "gate_proj.weight"));
            float[] gate = rev.readFloats(src + "gate_proj.weight");
            float[] noisy = moe.readFloats(p + "1.w1.weight");
            double sum = 0;
            double sq = 0;
            for (int i = 0; i < gate.length; i++) {
                double d = noisy[i] - gate[i];
                sum += d;
                sq += d * d;
            }
            double mean = sum / gate.length;
            double std = Math.sqrt(sq / gate.length - mean * mean);
            assertThat(Math.abs(mean)).isLessThan(0.001);
            assertThat(std).isBetween(0.0095, 0.0105);
        }
    }

    @Test
    void shardsFollowTheShardSizeWithAnIndex() {
        Path out = tmp.resolve("moe");
        MoeConfig config = MoeConfigParser.parse(ZooMoe.config("cheap_embed", 2, "bfloat16", false), tmp, "t.yml", false);
        MoeBuild.build(config, out, new MoeBuild.Options(0, 500_000, false, false), ProgressPrinter.NONE);
        assertThat(out.resolve("model.safetensors.index.json")).exists();
        assertThat(out.resolve("model-00001-of-00006.safetensors")).exists();
        try (Checkpoint moe = Checkpoint.open(out)) {
            assertThat(moe.contains("model.layers.3.block_sparse_moe.experts.1.w2.weight")).isTrue();
        }
    }

    @Test
    void anOutputFolderThatIsOrHoldsOrLiesInAnInputIsRefusedBeforeAnythingIsWritten() {
        MoeConfig config = MoeConfigParser.parse(ZooMoe.config("cheap_embed", 2, "bfloat16", false), tmp, "t.yml", false);
        Path base = ZooMoe.zoo2().resolve("base");
        for (Path out : List.of(base, base.resolve("moe"), ZooMoe.zoo2())) {
            assertThatThrownBy(() -> MoeBuild.build(config, out, new MoeBuild.Options(0, 1L << 30, true, false),
                    ProgressPrinter.NONE))
                    .isInstanceOf(CrucibleException.class).hasMessageContaining("choose another output folder");
        }
        assertThat(base.resolve("moe")).doesNotExist();
    }

    @Test
    void configMistakesAreNamedByField() {
        String ok = ZooMoe.config("hidden", 2, "bfloat16", false);
        assertThatThrownBy(() -> MoeConfigParser.parse(ok.replace("gate_mode: hidden", "gate_mode: hiden"), tmp, "t.yml", false))
                .hasMessageContaining("gate_mode: unknown mode 'hiden'");
        assertThatThrownBy(() -> MoeConfigParser.parse(ok.replace("experts_per_token: 2", "experts_per_token: 3"), tmp,
                "t.yml", false)).hasMessageContaining("experts_per_token: 3 but only 2");
        assertThatThrownBy(() -> MoeConfigParser.parse(ok + "shared_experts:\n  - source_model: x\n", tmp, "t.yml", false))
                .hasMessageContaining("shared_experts");
        assertThatThrownBy(() -> MoeConfigParser.parse(ok + "extra: 1\n", tmp, "t.yml", false))
                .hasMessageContaining("t.yml: extra: unknown key");
        assertThatThrownBy(() -> MoeConfigParser.parse(ok.replaceAll("expert-rev", "expert-add"), tmp, "t.yml", false))
                .hasMessageContaining("every expert is the same model");
        String noPrompts = "base_model: b\ngate_mode: hidden\nexperts:\n  - source_model: a\n  - source_model: c\n";
        assertThatThrownBy(() -> MoeConfigParser.parse(noPrompts, tmp, "t.yml", false))
                .hasMessageContaining("experts[0].positive_prompts: missing");
        assertThat(MoeConfigParser.parse(noPrompts.replace("hidden", "random"), tmp, "t.yml", false).gateMode())
                .isEqualTo(GateMode.RANDOM);
        assertThatThrownBy(() -> MoeConfigParser.parse(ok + "calibration: {l2: 0.1}\n", tmp, "t.yml", false))
                .hasMessageContaining("calibration: only used with gate_mode: calibrated");
        String calibrated = ok.replace("gate_mode: hidden", "gate_mode: calibrated");
        assertThatThrownBy(() -> MoeConfigParser.parse(calibrated + "calibration: {l2: 0}\n", tmp, "t.yml", false))
                .hasMessageContaining("calibration.l2: must be positive");
        assertThat(MoeConfigParser.parse(calibrated + "calibration: {l2: 0.5, max_iterations: 9}\n", tmp, "t.yml", false)
                .calibration()).isEqualTo(new CalibrationSettings(0.5, 9, 0.8));
        MoeConfig missing = MoeConfigParser.parse(ok.replace("expert-rev", "no-such-expert"), tmp, "t.yml", false);
        assertThatThrownBy(() -> MoeBuild.build(missing, tmp.resolve("o"), new MoeBuild.Options(0, 1L << 30, false, false),
                ProgressPrinter.NONE)).hasMessageContaining("no-such-expert is not a folder");
        assertThat(tmp.resolve("o")).doesNotExist();
    }

    private static byte[] bytes(Checkpoint c, String name) {
        return c.tensor(name).data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }
}
