package dev.crucible.merge.methods;

import dev.crucible.merge.ChunkWriter;
import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethods;
import dev.crucible.merge.TensorValues;
import dev.crucible.plan.MergePlan;
import dev.crucible.plan.MergePlanner;
import dev.crucible.plan.PlannedTensor;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.Zoo;
import dev.crucible.stream.InMemorySink;
import dev.crucible.stream.MergeOptions;
import dev.crucible.stream.MergeRunner;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code ram} and {@code ramplus_tl} against a plain double-precision transcription of mergekit's
 * {@code mergekit/merge_methods/ram.py} ({@code ram_merge}, {@code ramplus_tl_merge}, {@code _prepare_ram_vectors}),
 * on arrays, streamed, and through a recipe on the zoo.
 */
class RamMergeTest {

    /**
     * ram.py in double precision: masks as torch computes them ({@code |x - b| > epsilon} on float32 task vectors,
     * epsilon cast to float32), everything else in double.
     */
    private static double[] reference(boolean plus, float[] base, List<float[]> models, double eps, double r,
                                      double alpha) {
        int n = base.length;
        int k = models.size();
        float epsF = (float) eps;
        boolean[][] nonzero = new boolean[k][n];
        int[] contrib = new int[n];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < n; j++) {
                nonzero[i][j] = Math.abs(models.get(i)[j] - base[j]) > epsF;
                contrib[j] += nonzero[i][j] ? 1 : 0;
            }
        }
        double[] lambda = new double[k];
        for (int i = 0; i < k; i++) {
            long shared = 0;
            long unique = 0;
            for (int j = 0; j < n; j++) {
                shared += nonzero[i][j] && contrib[j] > 1 ? 1 : 0;
                unique += nonzero[i][j] && contrib[j] == 1 ? 1 : 0;
            }
            double rho = shared / Math.max((double) unique, eps);
            lambda[i] = plus ? 1 + r * Math.min(Math.max(rho, 0), alpha) : 1;
        }
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            double merged = 0;
            for (int i = 0; i < k; i++) {
                double tvz = nonzero[i][j] ? (double) models.get(i)[j] - base[j] : 0;
                double unique = contrib[j] == 1 ? 1 : 0;
                double overlap = contrib[j] > 1 ? 1 : 0;
                merged += tvz * unique * lambda[i] + tvz * overlap / Math.max(contrib[j], 1);
            }
            out[j] = base[j] + merged;
        }
        return out;
    }

    /** Models that each change a different share of the base's elements, so every count 0..3 occurs. */
    private static List<float[]> models(float[] base, Random rnd) {
        List<float[]> out = new ArrayList<>();
        double[] share = {0.5, 0.3, 0.1};
        for (double s : share) {
            float[] m = base.clone();
            for (int j = 0; j < m.length; j++) {
                if (rnd.nextDouble() < s) {
                    m[j] += (float) (rnd.nextGaussian() * 0.01);
                } else if (rnd.nextDouble() < 0.05) {
                    m[j] += 4e-6f; // below epsilon: does not count
                }
            }
            out.add(m);
        }
        return out;
    }

    private static void assertClose(float[] actual, double[] expected) {
        assertThat(actual).hasSize(expected.length);
        int worst = 0;
        double worstError = 0;
        for (int j = 0; j < actual.length; j++) {
            double error = Math.abs(actual[j] - expected[j]) / Math.max(1, Math.abs(expected[j]));
            if (error > worstError) {
                worstError = error;
                worst = j;
            }
        }
        assertThat(worstError).as("element " + worst + ": " + actual[worst] + " vs " + expected[worst])
                .isLessThan(2e-6);
    }

    @Test
    void bothMethodsMatchTheTranscriptionOnArraysAndStreamed() {
        Random rnd = new Random(7);
        int n = 70_000;
        float[] base = new float[n];
        for (int j = 0; j < n; j++) {
            base[j] = (float) rnd.nextGaussian() * 0.05f;
        }
        List<float[]> xs = models(base, rnd);
        long[] shape = {140, 500};
        for (String method : List.of("ram", "ramplus_tl")) {
            boolean plus = method.equals("ramplus_tl");
            Map<String, Object> global = plus ? Map.of("r", 0.5, "alpha", 0.7, "epsilon", 1e-5) : Map.of();
            double[] expected = reference(plus, base, xs, 1e-5, 0.5, 0.7);
            List<TensorValues> values = new ArrayList<>();
            for (int i = 0; i < xs.size(); i++) {
                values.add(new TensorValues("m" + i, shape, xs.get(i)));
            }
            MergeInput<TensorValues> in = Inputs.input("model.layers.0.mlp.up_proj.weight", new TensorValues("base", shape, base),
                    values, global, List.of(Map.of(), Map.of(), Map.of()), 1L);
            float[] arrays = Inputs.merge(method, in);
            assertClose(arrays, expected);

            RamMerge streamer = (RamMerge) MergeMethods.byName(method).orElseThrow();
            MergeInput<ChunkedValues> streaming = new MergeInput<>(in.tensorName(), shape,
                    ChunkedValues.of("base", shape, base),
                    List.<ChunkedValues>copyOf(values), in.params(), 1L);
            assertThat(streamer.canStream(streaming)).isTrue();
            float[] streamed = new float[n];
            streamer.merge(streaming, ChunkWriter.into(streamed));
            assertThat(streamed).containsExactly(arrays);
        }
        // The boost matters: ramplus_tl differs from ram where only one model changed an element.
        double[] ram = reference(false, base, xs, 1e-5, 0.5, 0.7);
        double[] plus = reference(true, base, xs, 1e-5, 0.5, 0.7);
        assertThat(ram).isNotEqualTo(plus);
    }

    @Test
    void defaultsAreMergekits() {
        float[] base = {0f, 0f, 0f, 1f};
        float[] a = {0.5f, 0.2f, 0f, 1f};
        float[] b = {0f, 0.4f, 0f, 1.00001f};
        MergeInput<TensorValues> in = Inputs.input(Inputs.vec("base", base), List.of(Inputs.vec("a", a), Inputs.vec("b", b)),
                Map.of(), List.of(Map.of(), Map.of()));
        // ram: element 0 only a counts -> 0.5; element 1 both -> mean 0.3; element 2 none -> base; element 3
        // b's change of 1e-5 (float32: 1.0000100136) is above epsilon 1e-5 -> b alone.
        assertClose(Inputs.merge("ram", in), reference(false, base, List.of(a, b), 1e-5, 0, 0));
        // ramplus_tl: a shares 1, has 1 alone: rho 1 -> lambda 1 + 0.1 * 0.2; b shares 1, alone 1 -> same.
        float[] plus = Inputs.merge("ramplus_tl", in);
        assertThat(plus[0]).isCloseTo(0.5f * 1.02f, org.assertj.core.api.Assertions.within(1e-7f));
        assertThat(plus[1]).isCloseTo(0.3f, org.assertj.core.api.Assertions.within(1e-7f));
        assertThat(plus[2]).isZero();
        assertClose(plus, reference(true, base, List.of(a, b), 1e-5, 0.1, 0.2));
    }

    @Test
    void parametersAreCheckedAndNamed() {
        MergeInput<TensorValues> in = Inputs.input(Inputs.vec("base", 0f), List.of(Inputs.vec("a", 1f)), Map.of("epsilon", -1.0),
                List.of(Map.of()));
        assertThatThrownBy(() -> Inputs.merge("ram", in)).hasMessage("ram: epsilon must be a number >= 0 (got -1.0)");
        assertThat(MergeMethods.byName("ram").orElseThrow().globalParameters()).containsExactly("epsilon");
        assertThat(MergeMethods.byName("ramplus_tl").orElseThrow().globalParameters())
                .containsExactlyInAnyOrder("epsilon", "r", "alpha");
        assertThatThrownBy(() -> RecipeParser.parse("""
                merge_method: ramplus_tl
                models: [{model: expert-add}]
                """, Zoo.root())).hasMessageStartingWith("base_model: ramplus_tl needs a base model");
    }

    @Test
    void aZooRecipeStreamsToTheTranscription() {
        MergePlan plan = MergePlanner.plan(RecipeParser.parse("""
                merge_method: ramplus_tl
                base_model: base
                models: [{model: expert-add}, {model: expert-rev}]
                parameters: {r: 0.3, alpha: 0.5}
                dtype: float32
                """, Zoo.root()));
        InMemorySink sink = new InMemorySink(plan.outputs());
        MergeRunner.run(plan, sink, MergeOptions.defaults());
        String name = "model.layers.1.mlp.down_proj.weight";
        PlannedTensor planned = plan.tensors().stream().filter(t -> t.output().name().equals(name)).findFirst()
                .orElseThrow();
        assertThat(planned.method()).isEqualTo("ramplus_tl");
        try (Checkpoint base = Checkpoint.open(Zoo.model("base"));
             Checkpoint add = Checkpoint.open(Zoo.model("expert-add"));
             Checkpoint rev = Checkpoint.open(Zoo.model("expert-rev"))) {
            double[] expected = reference(true, base.readFloats(name),
                    List.of(add.readFloats(name), rev.readFloats(name)), 1e-5, 0.3, 0.5);
            assertClose(sink.weights().readFloats(name), expected);
        }
    }
}
