package dev.crucible.moe;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * {@code gate_mode: calibrated}, our extension of mergekit-moe: each expert's own model runs on its
 * {@code positive_prompts} (full texts — for a task, prompt plus answer — so the answer's tokens are seen
 * too) and the router inputs (the post-attention-norm hidden states, what a Mixtral router actually reads)
 * are kept at every token of every layer. Each layer's router rows are then fitted so that routing sends a
 * token to the expert whose model produces such states ({@link SoftmaxRouterFit}); tokens of an expert's
 * {@code negative_prompts} (run through that expert's model) are fitted away from it. mergekit's modes
 * instead take one averaged base-model direction per expert, which cannot tell apart experts whose prompts
 * look alike to the base; here the router sees where each expert's own computation goes.
 */
public final class CalibratedRouter {

    /**
     * The result.
     *
     * @param routers  [layer][expert][hidden]
     * @param accuracy per layer, the fraction of calibration tokens routed (top-1) to their own expert
     */
    public record Fit(double[][][] routers, double[] accuracy) {
    }

    private CalibratedRouter() {
    }

    /**
     * The router inputs of every expert's own model on its prompts.
     *
     * @param positive per expert, the traces of its positive prompts
     * @param negative per expert, the traces of its negative prompts
     */
    public record Traces(List<List<PromptStates.Trace>> positive, List<List<PromptStates.Trace>> negative) {
    }

    /** Calibrates {@code config}'s routers for a model of {@code layers} x {@code hidden}. */
    public static Fit calibrate(MoeConfig config, int layers, int hidden, PromptTokens tokens, ProgressPrinter progress) {
        Traces traces = traces(config, tokens, progress);
        return fit(traces.positive(), traces.negative(), layers, hidden, config.calibration(), progress);
    }

    /** Runs each expert's own model on its prompts and keeps the router inputs (the slow half of calibration). */
    public static Traces traces(MoeConfig config, PromptTokens tokens, ProgressPrinter progress) {
        int n = config.experts().size();
        List<List<PromptStates.Trace>> positive = new ArrayList<>();
        List<List<PromptStates.Trace>> negative = new ArrayList<>();
        for (int e = 0; e < n; e++) {
            MoeExpert expert = config.experts().get(e);
            progress.line("calibrate: expert " + (e + 1) + "/" + n + " runs its own model on "
                    + expert.positivePrompts().size() + " prompts"
                    + (expert.negativePrompts().isEmpty() ? "" : " and " + expert.negativePrompts().size() + " negative"));
            List<int[]> ids = new ArrayList<>(tokens.ids(expert.positivePrompts(), "experts[" + e + "].positive_prompts"));
            ids.addAll(tokens.ids(expert.negativePrompts(), "experts[" + e + "].negative_prompts"));
            List<PromptStates.Trace> traces = PromptStates.trace(expert.sourceModel(), ids, PromptStates.Kind.MLP_INPUT);
            int p = expert.positivePrompts().size();
            positive.add(traces.subList(0, p));
            negative.add(traces.subList(p, traces.size()));
        }
        return new Traces(positive, negative);
    }

    /**
     * Fits every layer from traces already taken: positive.get(e) are expert e's own states on its prompts,
     * negative.get(e) the states of prompts that must not go to it.
     */
    public static Fit fit(List<List<PromptStates.Trace>> positive, List<List<PromptStates.Trace>> negative, int layers,
                          int hidden, CalibrationSettings settings, ProgressPrinter progress) {
        int n = positive.size();
        double[][][] routers = new double[layers][][];
        double[] accuracy = new double[layers];
        IntStream.range(0, layers).parallel().forEach(l -> {
            RouterSamples samples = samples(positive, negative, l, hidden);
            routers[l] = SoftmaxRouterFit.fit(samples, n, settings.l2(), settings.maxIterations());
            accuracy[l] = SoftmaxRouterFit.accuracy(routers[l], samples);
        });
        List<Integer> weak = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            progress.line(String.format(Locale.ROOT, "calibrate: layer %d routes %.1f%% of the calibration tokens"
                    + " to their own expert", l, 100 * accuracy[l]));
            if (accuracy[l] < settings.minAccuracy()) {
                weak.add(l);
            }
        }
        if (!weak.isEmpty()) {
            progress.line(String.format(Locale.ROOT, "warning: layer%s %s do%s not separate the experts (below %.0f%%);"
                            + " give more distinct or more prompts, or lower calibration.l2",
                    weak.size() > 1 ? "s" : "", weak, weak.size() > 1 ? "" : "es", 100 * settings.minAccuracy()));
        }
        return new Fit(routers, accuracy);
    }

    // Layer l's rows: every token of every prompt, weighted so each expert's positives (and negatives) weigh 1.
    private static RouterSamples samples(List<List<PromptStates.Trace>> positive,
                                         List<List<PromptStates.Trace>> negative, int l, int hidden) {
        int rows = 0;
        for (int e = 0; e < positive.size(); e++) {
            rows += tokens(positive.get(e)) + tokens(negative.get(e));
        }
        float[] states = new float[rows * hidden];
        int[] target = new int[rows];
        double[] weight = new double[rows];
        int at = 0;
        for (int e = 0; e < positive.size(); e++) {
            at = append(positive.get(e), l, hidden, e, states, target, weight, at);
            at = append(negative.get(e), l, hidden, -1 - e, states, target, weight, at);
        }
        return new RouterSamples(states, hidden, target, weight);
    }

    private static int append(List<PromptStates.Trace> traces, int l, int hidden, int label, float[] states,
                              int[] target, double[] weight, int at) {
        int count = tokens(traces);
        for (PromptStates.Trace t : traces) {
            System.arraycopy(t.layers()[l], 0, states, at * hidden, t.tokens() * hidden);
            for (int i = 0; i < t.tokens(); i++) {
                target[at + i] = label;
                weight[at + i] = 1.0 / count;
            }
            at += t.tokens();
        }
        return at;
    }

    private static int tokens(List<PromptStates.Trace> traces) {
        return traces.stream().mapToInt(PromptStates.Trace::tokens).sum();
    }
}
