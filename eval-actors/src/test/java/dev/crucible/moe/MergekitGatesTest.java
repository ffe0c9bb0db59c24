package dev.crucible.moe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.runtime.Zoo;
import dev.crucible.safetensors.Checkpoint;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Router rows against a plain double transcription of mergekit's {@code mergekit/moe/router.py}
 * ({@code get_hidden_states}, {@code get_cheap_embedding}, {@code get_gate_params}), fed by an independent
 * double-precision Llama forward pass ({@link ReferenceLlama}).
 */
class MergekitGatesTest {

    private static final List<String> ADD = List.of("add 12 34 =", "add 5 99 =", "add 70 8 =");
    private static final List<String> REV = List.of("rev abc =", "rev hello =");
    private static final List<String> NEG = List.of("add 1 1 =");

    @TempDir
    Path tmp;

    private String config(String mode) {
        return "base_model: " + ZooMoe.zoo2().resolve("base") + "\ngate_mode: " + mode + "\ndtype: float32\n"
                + "experts:\n"
                + "  - source_model: " + ZooMoe.zoo2().resolve("expert-add") + "\n"
                + "    positive_prompts: " + ZooMoe.yamlList(ADD) + "\n"
                + "  - source_model: " + ZooMoe.zoo2().resolve("expert-rev") + "\n"
                + "    positive_prompts: " + ZooMoe.yamlList(REV) + "\n"
                + "    negative_prompts: " + ZooMoe.yamlList(NEG) + "\n";
    }

    @Test
    void theReferenceForwardPassReproducesTheZoosLogitsAndPromptsTokenizeAsMergekitDoes() {
        JsonNode ref = Zoo.reference("base");
        try (ReferenceLlama llama = new ReferenceLlama(ZooMoe.zoo2().resolve("base"));
             PromptTokens tokens = PromptTokens.of(ZooMoe.zoo2().resolve("base"))) {
            // mergekit tokenizes bos_token + prompt without special tokens: the reference's "<s>add 12 34 ="
            assertThat(ref.get("text").asText()).isEqualTo("<s>add 12 34 =");
            assertThat(tokens.ids(List.of("add 12 34 ="), "p").getFirst()).containsExactly(Zoo.ints(ref.get("input_ids")));
            double[] logits = llama.run(Zoo.ints(ref.get("input_ids"))).lastLogits();
            float[] expected = Zoo.floats(ref.get("last_logits"));
            for (int i = 0; i < expected.length; i++) {
                assertThat(logits[i]).isCloseTo(expected[i], within(1e-3));
            }
        }
    }

    @Test
    void hiddenGatesAreTheLastTokenStatesEnteringEachLayerAveragedOverPromptsMinusNegativesNormalised() {
        Path out = tmp.resolve("moe");
        ZooMoe.build(config("hidden"), out);
        assertRoutersMatch(out, false);
    }

    @Test
    void hiddenAvgGatesAverageEachPromptsTokensFirst() {
        Path out = tmp.resolve("moe");
        ZooMoe.build(config("hidden_avg"), out);
        assertRoutersMatch(out, true);
    }

    private void assertRoutersMatch(Path out, boolean average) {
        try (ReferenceLlama llama = new ReferenceLlama(ZooMoe.zoo2().resolve("base"));
             PromptTokens tokens = PromptTokens.of(ZooMoe.zoo2().resolve("base"))) {
            double[][] add = meanStates(llama, tokens.ids(ADD, "p"), average);
            double[][] rev = meanStates(llama, tokens.ids(REV, "p"), average);
            double[][] neg = meanStates(llama, tokens.ids(NEG, "p"), average);
            for (int l = 0; l < llama.layers(); l++) {
                double[] want0 = unit(add[l]);
                double[] want1 = rev[l].clone();
                for (int j = 0; j < want1.length; j++) {
                    want1[j] -= neg[l][j];
                }
                want1 = unit(want1);
                double[][] got = ZooMoe.router(out, l);
                assertClose(got[0], want0, 2e-4);
                assertClose(got[1], want1, 2e-4);
            }
        }
    }

    // get_hidden_states: hidden_states[:-1], last position (or mean over positions), mean over the batch.
    private static double[][] meanStates(ReferenceLlama llama, List<int[]> prompts, boolean average) {
        double[][] out = new double[llama.layers()][llama.hidden()];
        for (int[] ids : prompts) {
            double[][][] states = llama.run(ids).blockInputs();
            for (int l = 0; l < llama.layers(); l++) {
                int from = average ? 0 : ids.length - 1;
                for (int t = from; t < ids.length; t++) {
                    for (int j = 0; j < llama.hidden(); j++) {
                        out[l][j] += states[l][t][j] / (ids.length - from) / prompts.size();
                    }
                }
            }
        }
        return out;
    }

    @Test
    void cheapEmbedGatesAreTheNormalisedEmbeddingSumsMinusTheNormalisedNegativesOnEveryLayer() {
        Path out = tmp.resolve("moe");
        ZooMoe.build(config("cheap_embed"), out);
        try (Checkpoint base = Checkpoint.open(ZooMoe.zoo2().resolve("base"));
             PromptTokens tokens = PromptTokens.of(ZooMoe.zoo2().resolve("base"))) {
            float[] embed = base.readFloats("model.embed_tokens.weight");
            int h = 128;
            double[] add = unit(embeddingSum(embed, h, tokens.ids(ADD, "p")));
            double[] rev = unit(embeddingSum(embed, h, tokens.ids(REV, "p")));
            double[] neg = unit(embeddingSum(embed, h, tokens.ids(NEG, "p")));
            for (int j = 0; j < h; j++) {
                rev[j] -= neg[j];
            }
            rev = unit(rev);
            for (int l = 0; l < 4; l++) {
                double[][] got = ZooMoe.router(out, l);
                assertClose(got[0], add, 1e-6);
                assertClose(got[1], rev, 1e-6);
            }
        }
    }

    private static double[] embeddingSum(float[] embed, int h, List<int[]> prompts) {
        double[] v = new double[h];
        for (int[] ids : prompts) {
            for (int id : ids) {
                for (int j = 0; j < h; j++) {
                    v[j] += embed[id * h + j];
                }
            }
        }
        return v;
    }

    @Test
    void uniformRandomGatesLieWithinTorchsLinearInitBoundsAndFollowTheSeed() {
        String yaml = config("uniform_random");
        MoeConfig config = MoeConfigParser.parse(yaml, tmp, "t.yml", false);
        double[][][] a = MergekitGates.compute(config, 4, 128, 7, null, ProgressPrinter.NONE);
        double[][][] b = MergekitGates.compute(config, 4, 128, 7, null, ProgressPrinter.NONE);
        double[][][] c = MergekitGates.compute(config, 4, 128, 8, null, ProgressPrinter.NONE);
        double bound = 1 / Math.sqrt(128);
        double max = 0;
        for (double[][] layer : a) {
            for (double[] row : layer) {
                for (double v : row) {
                    assertThat(Math.abs(v)).isLessThanOrEqualTo(bound);
                    max = Math.max(max, Math.abs(v));
                }
            }
        }
        assertThat(max).as("spans the range").isGreaterThan(0.95 * bound);
        assertThat(a).isDeepEqualTo(b);
        assertThat(a[0][0]).isNotEqualTo(c[0][0]);
    }

    @Test
    void degenerateGatesAreThoseWithAConditionNumberAboveFiveWordedAsMergekitWarns() {
        // singular values of [[1,0,0],[0,0.1,0]] are 1 and 0.1: condition number 10
        assertThat(DegenerateGates.conditionNumber(new double[][] {{1, 0, 0}, {0, 0.1, 0}})).isCloseTo(10, within(1e-9));
        // [[3,4],[4,-3]] / 5 is orthogonal: 1
        assertThat(DegenerateGates.conditionNumber(new double[][] {{0.6, 0.8}, {0.8, -0.6}})).isCloseTo(1, within(1e-9));
        // parallel rows: infinite
        assertThat(DegenerateGates.conditionNumber(new double[][] {{1, 2}, {2, 4}})).isInfinite();
        double[][] good = {{1, 0}, {0, 1}};
        double[][] bad = {{1, 0}, {1, 0.01}};
        assertThat(DegenerateGates.layers(new double[][][] {good, bad, good, bad})).containsExactly(1, 3);
        assertThat(DegenerateGates.warnings(List.of(1, 3), 4).getFirst())
                .isEqualTo("layers 1 and 3 have degenerate routing parameters - your prompts may be too similar.");
        assertThat(DegenerateGates.warnings(List.of(0, 1, 3), 4).getFirst()).startsWith("layers 0, 1, and 3 have");
        assertThat(DegenerateGates.warnings(List.of(2), 4).getFirst()).startsWith("layer 2 has");
        assertThat(DegenerateGates.warnings(List.of(0, 1, 2, 3), 4).getFirst()).startsWith("ALL layers have");
        assertThat(DegenerateGates.warnings(List.of(), 4)).isEmpty();
    }

    private static double[] unit(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        double n = Math.max(Math.sqrt(s), 1e-8);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] / n;
        }
        return out;
    }

    private static void assertClose(double[] got, double[] want, double tol) {
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < want.length; i++) {
            assertThat(got[i]).as("element %d", i).isCloseTo(want[i], within(tol));
        }
    }
}
