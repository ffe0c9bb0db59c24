package dev.crucible.evolve.genome;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.crucible.plan.MergePlan;
import dev.crucible.plan.MergePlanner;
import dev.crucible.plan.PlannedTensor;
import dev.crucible.recipe.FilterRule;
import dev.crucible.recipe.ParameterValue;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.recipe.RecipeWriter;
import dev.crucible.runtime.Zoo;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParameterGenomeTest {

    private static final Path ZOO = Zoo.dir().toAbsolutePath().normalize();

    private static ParameterGenome genome(String method, int groups, List<String> filters) {
        return new ParameterGenome(method, "base", null, List.of("expert-add", "expert-rev"), List.of("add", "rev"),
                groups, filters, 0, 2, null, ZOO);
    }

    @Test
    void startsEveryGeneAtOneHalfInsideTheBox() {
        ParameterGenome g = genome("dare_ties", 2, List.of("self_attn", "mlp"));
        assertThat(g.dimension()).isEqualTo(2 * 2 * 3 * 2);
        assertThat(g.initial()).containsOnly(0.5);
        double[] lo = g.lower();
        double[] hi = g.upper();
        // Per model: 6 weight genes in [0, 2], then 6 density genes in [0, 1].
        assertThat(lo).containsOnly(0.0);
        assertThat(hi[0]).isEqualTo(2.0);
        assertThat(hi[6]).isEqualTo(1.0);
        assertThat(hi[12]).isEqualTo(2.0);
    }

    @Test
    void oneGroupWithoutFiltersDecodesToScalars() {
        ParameterGenome g = genome("ties", 1, List.of());
        Recipe r = g.decode(new double[] {1.23456, -0.7, 2.5, 0.25});
        assertThat(r.mergeMethod()).isEqualTo("ties");
        assertThat(r.baseModel()).isEqualTo("base");
        assertThat(r.models().get(0).parameters().get("weight")).isEqualTo(ParameterValue.Scalar.of(1.2346));
        assertThat(r.models().get(0).parameters().get("density")).isEqualTo(ParameterValue.Scalar.of(0.7));
        assertThat(r.models().get(1).parameters().get("weight")).isEqualTo(ParameterValue.Scalar.of(2.0));
        assertThat(g.describe(new double[] {1.23456, -0.7, 2.5, 0.25}))
                .containsEntry("add.weight", 1.2346).containsEntry("rev.density", 0.25);
    }

    @Test
    void layerGroupsBecomeGradientsAndFiltersBecomeRules() {
        ParameterGenome g = genome("task_arithmetic", 2, List.of("mlp"));
        double[] x = {0.1, 0.2, 0.3, 0.4, 1.1, 1.2, 1.3, 1.4};
        Recipe r = g.decode(x);
        ParameterValue weight = r.models().get(1).parameters().get("weight");
        assertThat(weight).isEqualTo(new ParameterValue.FilterRules(List.of(
                new FilterRule("mlp", new ParameterValue.Gradient(List.of(1.1, 1.2))),
                new FilterRule(null, new ParameterValue.Gradient(List.of(1.3, 1.4))))));
        assertThat(r.models().get(0).parameters()).containsOnlyKeys("weight");
    }

    @Test
    void decodedRecipesAreOrdinaryRecipesThatPlanPerLayer() {
        ParameterGenome g = genome("dare_ties", 2, List.of("self_attn"));
        double[] x = g.initial();
        x[0] = 0.0;
        x[1] = 1.5;
        Recipe decoded = g.decode(x);
        Recipe reread = RecipeParser.parse(RecipeWriter.toYaml(decoded), ZOO);
        assertThat(reread).isEqualTo(decoded);
        MergePlan plan = MergePlanner.plan(reread);
        // Gradient [0, 1.5] over 4 layers: layer i gets 1.5 * i / 3 on self_attn tensors of expert-add.
        for (int i = 0; i < 4; i++) {
            int layer = i;
            PlannedTensor q = plan.tensors().stream()
                    .filter(t -> t.output().name().equals("model.layers." + layer + ".self_attn.q_proj.weight"))
                    .findFirst().orElseThrow();
            assertThat(q.params().model(0, "weight", Double.NaN)).isCloseTo(1.5 * layer / 3, offset(1e-9));
            PlannedTensor mlp = plan.tensors().stream()
                    .filter(t -> t.output().name().equals("model.layers." + layer + ".mlp.up_proj.weight"))
                    .findFirst().orElseThrow();
            assertThat(mlp.params().model(0, "weight", Double.NaN)).isEqualTo(0.5);
        }
    }

    @Test
    void slerpHasOneTPerGroupAndNoPerModelGenes() {
        ParameterGenome g = new ParameterGenome("slerp", "base", null, List.of("expert-add"), List.of("add"), 3, List.of(),
                0, 2, null, ZOO);
        assertThat(g.dimension()).isEqualTo(3);
        Recipe r = g.decode(new double[] {-0.2, 0.5, 1.7});
        assertThat(r.parameters().get("t")).isEqualTo(new ParameterValue.Gradient(List.of(0.0, 0.5, 1.0)));
        assertThat(r.models()).singleElement().satisfies(m -> assertThat(m.parameters()).isEmpty());
    }

    @Test
    void normalizeIsWrittenOnlyWhenSetAndTheMethodTakesIt() {
        ParameterGenome ties = new ParameterGenome("ties", "base", null, List.of("a", "b"), List.of("a", "b"), 1, List.of(),
                0, 2, false, ZOO);
        assertThat(ties.decode(ties.initial()).parameters()).containsEntry("normalize", new ParameterValue.Scalar(false));
        ParameterGenome slerp = new ParameterGenome("slerp", "base", null, List.of("a"), List.of("a"), 1, List.of(),
                0, 2, false, ZOO);
        assertThat(slerp.decode(slerp.initial()).parameters()).doesNotContainKey("normalize");
        assertThat(genome("ties", 1, List.of()).decode(new double[4]).parameters()).isEmpty();
    }

    @Test
    void aTaskVectorBaseLandsTheMergeOnAnotherModelSuchAsAVlm() {
        ParameterGenome g = new ParameterGenome("task_arithmetic", "vlm", "base", List.of("expert-add"), List.of("add"),
                1, List.of(), 0, 2, null, ZOO);
        Recipe r = g.decode(new double[] {0.4});
        assertThat(r.baseModel()).isEqualTo("vlm");
        assertThat(r.taskVectorBase()).isEqualTo("base");
        MergePlan plan = MergePlanner.plan(r);
        PlannedTensor q = plan.tensors().stream()
                .filter(t -> t.output().name().equals("language_model.model.layers.0.self_attn.q_proj.weight"))
                .findFirst().orElseThrow();
        assertThat(q.base().model()).isEqualTo("base");
        assertThat(q.rebaseOnto().model()).isEqualTo("vlm");
        assertThat(q.params().model(0, "weight", Double.NaN)).isEqualTo(0.4);
        assertThat(plan.tensors()).anySatisfy(t -> assertThat(t.output().name()).startsWith("vision_tower."));
    }
}
