package dev.crucible.moe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gate_mode: calibrated}: routers fitted to the experts' own router inputs. */
class CalibratedRouterTest {

    @TempDir
    Path tmp;

    @Test
    void theCalibratedRouterSeparatesTheExpertsOwnStatesOnHeldOutPrompts() {
        Path out = tmp.resolve("moe");
        MoeBuild.Result result = ZooMoe.build(ZooMoe.config("calibrated", 1, "float32", true), out);
        assertThat(java.util.Arrays.stream(result.accuracy()).min().orElseThrow()).isGreaterThan(0.9);
        try (PromptTokens tokens = PromptTokens.of(ZooMoe.zoo2().resolve("base"))) {
            // dev items 100..129 were not among the 20 calibration prompts
            List<PromptStates.Trace> add = PromptStates.trace(ZooMoe.zoo2().resolve("expert-add"),
                    tokens.ids(ZooMoe.prompts("add", 100, 30, true), "p"), PromptStates.Kind.MLP_INPUT);
            List<PromptStates.Trace> rev = PromptStates.trace(ZooMoe.zoo2().resolve("expert-rev"),
                    tokens.ids(ZooMoe.prompts("rev", 100, 30, true), "p"), PromptStates.Kind.MLP_INPUT);
            for (int l = 0; l < 4; l++) {
                double[][] router = ZooMoe.router(out, l);
                // layer 0 sees the same states from both models (only MLPs were fine-tuned), so only the
                // task's text can separate them there; the BOS token cannot be told apart at all
                double min = l == 0 ? 0.85 : 0.95;
                assertThat(routedToOwn(router, add, l, 0)).as("layer %d, add", l).isGreaterThan(min);
                assertThat(routedToOwn(router, rev, l, 1)).as("layer %d, rev", l).isGreaterThan(min);
            }
        }
    }

    private static double routedToOwn(double[][] router, List<PromptStates.Trace> traces, int layer, int expert) {
        int h = router[0].length;
        int right = 0;
        int total = 0;
        for (PromptStates.Trace t : traces) {
            for (int i = 0; i < t.tokens(); i++) {
                total++;
                if (SoftmaxRouterFit.top(router, t.layers()[layer], i * h, h) == expert) {
                    right++;
                }
            }
        }
        return (double) right / total;
    }

    @Test
    void threeExpertsCalibrateSoEachExpertsTokensGoToIt() {
        // three experts whose states sit around different directions, plus shared noise
        int h = 16;
        Random random = new Random(3);
        double[][] centres = new double[3][h];
        for (double[] c : centres) {
            for (int j = 0; j < h; j++) {
                c[j] = random.nextGaussian();
            }
        }
        List<List<PromptStates.Trace>> positive = new ArrayList<>();
        List<List<PromptStates.Trace>> held = new ArrayList<>();
        for (int e = 0; e < 3; e++) {
            positive.add(traces(centres[e], 12, h, random));
            held.add(traces(centres[e], 12, h, random));
        }
        List<List<PromptStates.Trace>> none = List.of(List.of(), List.of(), List.of());
        CalibratedRouter.Fit fit = CalibratedRouter.fit(positive, none, 2, h, CalibrationSettings.DEFAULTS,
                ProgressPrinter.NONE);
        for (int l = 0; l < 2; l++) {
            assertThat(fit.accuracy()[l]).isEqualTo(1.0);
            for (int e = 0; e < 3; e++) {
                assertThat(routedToOwn(fit.routers()[l], held.get(e), l, e)).as("expert %d held out", e).isEqualTo(1.0);
            }
        }
    }

    // prompts of 5 tokens, each token's state = centre + noise, the same at both layers
    private static List<PromptStates.Trace> traces(double[] centre, int prompts, int h, Random random) {
        List<PromptStates.Trace> out = new ArrayList<>();
        for (int p = 0; p < prompts; p++) {
            float[] s = new float[5 * h];
            for (int i = 0; i < s.length; i++) {
                s[i] = (float) (centre[i % h] + 0.3 * random.nextGaussian());
            }
            out.add(new PromptStates.Trace(5, new float[][] {s, s}));
        }
        return out;
    }

    @Test
    void theFitIsTheOptimumOfTheStatedObjectiveIncludingNegatives() {
        // Stationarity checked with a plain transcription of the gradient of
        // mean_w(-log p_target) + mean_w(-log(1 - p_not)) + l2/2 |W|^2.
        int h = 6;
        Random random = new Random(5);
        int n = 40;
        float[] states = new float[n * h];
        int[] target = new int[n];
        double[] weight = new double[n];
        for (int i = 0; i < n; i++) {
            target[i] = i < 30 ? i % 3 : -1 - (i % 3);
            for (int j = 0; j < h; j++) {
                states[i * h + j] = (float) (random.nextGaussian() + (target[i] >= 0 && j == target[i] ? 1.5 : 0));
            }
            weight[i] = 0.5 + random.nextDouble();
        }
        double l2 = 0.05;
        RouterSamples samples = new RouterSamples(states, h, target, weight);
        double[][] w = SoftmaxRouterFit.fit(samples, 3, l2, 1000);
        double total = 0;
        for (double x : weight) {
            total += x;
        }
        double[][] grad = new double[3][h];
        for (int i = 0; i < n; i++) {
            double[] z = new double[3];
            double sum = 0;
            for (int e = 0; e < 3; e++) {
                for (int j = 0; j < h; j++) {
                    z[e] += w[e][j] * states[i * h + j];
                }
            }
            for (int e = 0; e < 3; e++) {
                sum += Math.exp(z[e]);
            }
            for (int e = 0; e < 3; e++) {
                double p = Math.exp(z[e]) / sum;
                double d;
                if (target[i] >= 0) {
                    d = p - (e == target[i] ? 1 : 0);
                } else {
                    int not = -1 - target[i];
                    double pn = Math.exp(z[not]) / sum;
                    d = pn * ((e == not ? 1 : 0) - p) / (1 - pn);
                }
                for (int j = 0; j < h; j++) {
                    grad[e][j] += weight[i] / total * d * states[i * h + j];
                }
            }
        }
        for (int e = 0; e < 3; e++) {
            for (int j = 0; j < h; j++) {
                assertThat(Math.abs(grad[e][j] + l2 * w[e][j])).as("dL/dW[%d][%d]", e, j).isLessThan(1e-6);
            }
        }
        assertThat(SoftmaxRouterFit.accuracy(w, samples)).isGreaterThan(0.7);
    }

    @Test
    void theSameConfigAndSeedGiveByteIdenticalModels() throws IOException {
        String yaml = ZooMoe.config("calibrated", 2, "bfloat16", true);
        ZooMoe.build(yaml, tmp.resolve("a"));
        ZooMoe.build(yaml, tmp.resolve("b"));
        assertThat(Files.readAllBytes(tmp.resolve("a/model.safetensors")))
                .isEqualTo(Files.readAllBytes(tmp.resolve("b/model.safetensors")));
    }
}
