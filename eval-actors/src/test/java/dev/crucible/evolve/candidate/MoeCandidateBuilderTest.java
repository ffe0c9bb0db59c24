package dev.crucible.evolve.candidate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.crucible.evolve.config.MoeSearchConfigTest;
import dev.crucible.evolve.report.ProgressReporter;
import dev.crucible.fixtures.Fixtures;
import dev.crucible.moe.MixtralNames;
import dev.crucible.moe.MoeConfig;
import dev.crucible.moe.MoeConfigParser;
import dev.crucible.safetensors.Checkpoint;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MoE search's candidates on zoo2: the mixture a point of the MoE genome stands for. */
class MoeCandidateBuilderTest {

    @TempDir
    static Path dir;

    private static MoeConfig config;

    @BeforeAll
    static void moeConfig() throws IOException {
        Files.createSymbolicLink(dir.resolve("zoo2"), Fixtures.zoo2().toAbsolutePath().normalize());
        config = MoeConfigParser.parse(Files.writeString(dir.resolve("moe.yml"), MoeSearchConfigTest.MOE), false);
    }

    @Test
    void weightMergedLayersHoldTheExpertsAverageInEverySlot() {
        MoeCandidateBuilder builder = MoeCandidateBuilder.prepare(config, 2, dir.resolve("unused"),
                new ProgressReporter(new PrintStream(java.io.OutputStream.nullOutputStream())));
        // Group 0 (layers 0, 1) merged, group 1 (layers 2, 3) routed; top-2.
        MoeCandidateBuilder.MoeModel model = builder.build(new double[] {0.9, 0.5, 0.5, 0.5, 0.2, 0.8});
        assertThat(model.config().get("num_experts_per_tok").asInt()).isEqualTo(2);
        String up = "model.layers.0.mlp.up_proj.weight";
        try (Checkpoint add = Checkpoint.open(Fixtures.zoo2().resolve("expert-add"));
             Checkpoint rev = Checkpoint.open(Fixtures.zoo2().resolve("expert-rev"))) {
            float[] a = add.readFloats(up);
            float[] r = rev.readFloats(up);
            float[] slot0 = model.weights().readFloats(MixtralNames.expert(0, 0, "w3"));
            float[] slot1 = model.weights().readFloats(MixtralNames.expert(0, 1, "w3"));
            assertThat(slot0).containsExactly(slot1);
            for (int i = 0; i < a.length; i += 97) {
                // bf16 rounding of the float32 mean: within half a bf16 step (2^-8 relative).
                double mean = (a[i] + (double) r[i]) / 2;
                assertThat((double) slot0[i]).isCloseTo(mean, offset(Math.abs(mean) / 256 + 1e-30));
            }
            assertThat(model.weights().readFloats(MixtralNames.expert(2, 0, "w3")))
                    .containsExactly(add.readFloats("model.layers.2.mlp.up_proj.weight"));
            assertThat(model.weights().readFloats(MixtralNames.expert(2, 1, "w3")))
                    .containsExactly(rev.readFloats("model.layers.2.mlp.up_proj.weight"));
        }
    }
}
