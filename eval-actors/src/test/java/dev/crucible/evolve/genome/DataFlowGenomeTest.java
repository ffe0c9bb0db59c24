package dev.crucible.evolve.genome;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.plan.MergePlan;
import dev.crucible.plan.MergePlanner;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.recipe.RecipeWriter;
import dev.crucible.runtime.Zoo;
import dev.crucible.stream.InMemorySink;
import dev.crucible.stream.InMemoryWeights;
import dev.crucible.stream.MergeOptions;
import dev.crucible.stream.MergeRunner;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataFlowGenomeTest {

    private static final Path ZOO = Zoo.dir().toAbsolutePath().normalize();
    private static final int LAYERS = 4;

    private final DataFlowGenome genome = new DataFlowGenome(List.of("expert-add", "expert-rev"), List.of("add", "rev"),
            LAYERS, 2, 2.0, ZOO);

    private static InMemoryWeights merge(Recipe recipe) {
        MergePlan plan = MergePlanner.plan(RecipeParser.parse(RecipeWriter.toYaml(recipe), ZOO));
        InMemorySink sink = new InMemorySink(plan.outputs());
        MergeRunner.run(plan, sink, MergeOptions.defaults());
        return sink.weights();
    }

    @Test
    void hasAnIndicatorAndAScalePerSlot() {
        assertThat(genome.slots()).isEqualTo(2 * LAYERS * 2);
        assertThat(genome.dimension()).isEqualTo(32);
        assertThat(genome.lower()).startsWith(-1.0).endsWith(0.0);
        assertThat(genome.upper()).startsWith(1.0).endsWith(2.0);
    }

    @Test
    void startPointIsTheFirstModelItself() {
        double[] x0 = genome.initial();
        assertThat(genome.describe(x0).get("path")).isEqualTo(List.of("add:0", "add:1", "add:2", "add:3"));
        InMemoryWeights merged = merge(genome.decode(x0));
        try (ModelFolder add = ModelFolder.open(ZOO.resolve("expert-add"))) {
            for (String name : merged.tensorNames()) {
                assertThat(merged.readFloats(name)).as(name).containsExactly(add.weights().tensor(name).toFloats());
            }
        }
    }

    @Test
    void chosenSlotsStackBetweenTheFixedEndsWithScalesFoldedIntoOutputProjections() {
        double[] x = genome.initial();
        int slots = genome.slots();
        int revLayer1 = LAYERS + 1;
        x[revLayer1] = 0.3;
        int secondRepeatAdd2 = 2 * LAYERS + 2;
        x[secondRepeatAdd2] = 0.9;
        x[slots + secondRepeatAdd2] = 0.5;
        assertThat(genome.describe(x).get("path"))
                .isEqualTo(List.of("add:0", "add:1", "add:2", "rev:1", "add:2x0.5", "add:3"));
        InMemoryWeights merged = merge(genome.decode(x));
        assertThat(merged.tensorNames()).contains("model.layers.5.mlp.down_proj.weight")
                .doesNotContain("model.layers.6.mlp.down_proj.weight");
        try (ModelFolder rev = ModelFolder.open(ZOO.resolve("expert-rev"));
             ModelFolder add = ModelFolder.open(ZOO.resolve("expert-add"))) {
            for (String suffix : List.of("self_attn.o_proj.weight", "mlp.down_proj.weight")) {
                float[] halved = add.weights().tensor("model.layers.2." + suffix).toFloats();
                for (int i = 0; i < halved.length; i++) {
                    halved[i] *= 0.5f;
                }
                assertThat(merged.readFloats("model.layers.4." + suffix)).as(suffix).containsExactly(halved);
            }
            assertThat(merged.readFloats("model.layers.4.self_attn.q_proj.weight"))
                    .containsExactly(add.weights().tensor("model.layers.2.self_attn.q_proj.weight").toFloats());
            // expert-rev is float16; the output takes the first model's bfloat16, 8 significant bits.
            float[] revSource = rev.weights().tensor("model.layers.1.mlp.down_proj.weight").toFloats();
            float[] revOut = merged.readFloats("model.layers.3.mlp.down_proj.weight");
            double worst = 0;
            for (int i = 0; i < revSource.length; i++) {
                worst = Math.max(worst, Math.abs(revOut[i] - revSource[i]) / Math.max(Math.abs(revSource[i]), 1e-30));
            }
            assertThat(worst).isLessThanOrEqualTo(1.0 / 256);
            assertThat(merged.readFloats("lm_head.weight"))
                    .containsExactly(add.weights().tensor("lm_head.weight").toFloats());
        }
    }
}
