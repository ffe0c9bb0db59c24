package dev.crucible.moe;

import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.runtime.LanguageModels;
import dev.crucible.runtime.TransformerLanguageModel;
import dev.crucible.runtime.decoder.CausalDecoder;
import dev.crucible.safetensors.Checkpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Router rows as mergekit-moe's {@code get_gate_params} ({@code mergekit/moe/router.py}) makes them,
 * [layer][expert][hidden]:
 * <ul>
 * <li>{@code hidden}/{@code hidden_last}: the base model's residual stream entering each layer
 *     ({@code output.hidden_states[:-1]}: the embeddings for layer 0, layer i-1's output for layer i — not
 *     the normalised state the router will actually read) at each prompt's last token, averaged over the
 *     prompts; minus the same of the negative prompts; normalised to unit length per layer.</li>
 * <li>{@code hidden_avg}: the same states averaged over each prompt's tokens first.</li>
 * <li>{@code cheap_embed}: the sum of the token embeddings of all prompts, normalised; minus the
 *     normalised negative sum; normalised again; the same row for every layer.</li>
 * <li>{@code random}: standard normal; {@code uniform_random}: uniform in +-1/sqrt(hidden) (torch's Linear
 *     initialisation). Both unnormalised, drawn from our seed (torch's generator is not reproduced).</li>
 * </ul>
 * Differences on purpose: the forward pass runs in float32 (mergekit loads the base in bfloat16), and
 * prompts run one at a time: for prompts of unequal length mergekit's left-padded batch makes
 * {@code hidden_avg} also average the hidden states of padding positions (which depend on the attention
 * backend); we average each prompt's own tokens. For equal-length prompts, and for {@code hidden}, the
 * two agree.
 */
public final class MergekitGates {

    private MergekitGates() {
    }

    /** The router rows of {@code config}'s experts for a base with these dimensions. */
    public static double[][][] compute(MoeConfig config, int layers, int hidden, long seed, PromptTokens tokens,
                                       ProgressPrinter progress) {
        int n = config.experts().size();
        GateMode mode = config.gateMode();
        double[][][] gates = new double[layers][n][hidden];
        switch (mode) {
            case RANDOM -> {
                Random r = new Random(seed);
                for (double[][] layer : gates) {
                    for (double[] row : layer) {
                        for (int j = 0; j < hidden; j++) {
                            row[j] = r.nextGaussian();
                        }
                    }
                }
                return gates;
            }
            case UNIFORM_RANDOM -> {
                Random r = new Random(seed);
                double scale = Math.sqrt(1.0 / hidden);
                for (double[][] layer : gates) {
                    for (double[] row : layer) {
                        for (int j = 0; j < hidden; j++) {
                            row[j] = r.nextDouble() * 2 * scale - scale;
                        }
                    }
                }
                return gates;
            }
            case CHEAP_EMBED -> {
                float[] embed = readEmbedding(config.baseModel());
                for (int e = 0; e < n; e++) {
                    MoeExpert expert = config.experts().get(e);
                    progress.line("gates: expert " + (e + 1) + "/" + n + " (" + expert.positivePrompts().size()
                            + " prompts, cheap_embed)");
                    double[] v = cheapEmbedding(embed, hidden,
                            tokens.ids(expert.positivePrompts(), "experts[" + e + "].positive_prompts"));
                    if (!expert.negativePrompts().isEmpty()) {
                        double[] neg = cheapEmbedding(embed, hidden,
                                tokens.ids(expert.negativePrompts(), "experts[" + e + "].negative_prompts"));
                        for (int j = 0; j < hidden; j++) {
                            v[j] -= neg[j];
                        }
                    }
                    normalise(v);
                    for (int l = 0; l < layers; l++) {
                        gates[l][e] = v.clone();
                    }
                }
                return gates;
            }
            case HIDDEN, HIDDEN_LAST, HIDDEN_AVG -> {
                boolean average = mode == GateMode.HIDDEN_AVG;
                try (LanguageModel model = LanguageModels.load(config.baseModel())) {
                    CausalDecoder base = ((TransformerLanguageModel) model).decoder();
                    for (int e = 0; e < n; e++) {
                        MoeExpert expert = config.experts().get(e);
                        progress.line("gates: expert " + (e + 1) + "/" + n + " (" + expert.positivePrompts().size()
                                + " prompts through the base model, " + mode.yamlName() + ")");
                        double[][] v = hiddenStates(base, layers, hidden, average,
                                tokens.ids(expert.positivePrompts(), "experts[" + e + "].positive_prompts"));
                        if (!expert.negativePrompts().isEmpty()) {
                            double[][] neg = hiddenStates(base, layers, hidden, average,
                                    tokens.ids(expert.negativePrompts(), "experts[" + e + "].negative_prompts"));
                            for (int l = 0; l < layers; l++) {
                                for (int j = 0; j < hidden; j++) {
                                    v[l][j] -= neg[l][j];
                                }
                            }
                        }
                        for (int l = 0; l < layers; l++) {
                            normalise(v[l]);
                            gates[l][e] = v[l];
                        }
                    }
                }
                return gates;
            }
            default -> throw new IllegalArgumentException("not a mergekit gate mode: " + mode);
        }
    }

    // get_hidden_states: per layer, each prompt's last-token (or token-mean) state, averaged over prompts.
    private static double[][] hiddenStates(CausalDecoder base, int layers, int hidden, boolean average,
                                           List<int[]> prompts) {
        List<PromptStates.Trace> traces = PromptStates.trace(base, prompts, PromptStates.Kind.BLOCK_INPUT);
        double[][] out = new double[layers][hidden];
        for (PromptStates.Trace t : traces) {
            for (int l = 0; l < layers; l++) {
                float[] s = t.layers()[l];
                int from = average ? 0 : t.tokens() - 1;
                for (int tok = from; tok < t.tokens(); tok++) {
                    for (int j = 0; j < hidden; j++) {
                        out[l][j] += s[tok * hidden + j] / (double) (t.tokens() - from);
                    }
                }
            }
        }
        for (double[] row : out) {
            for (int j = 0; j < hidden; j++) {
                row[j] /= traces.size();
            }
        }
        return out;
    }

    // get_cheap_embedding: sum of the embeddings of every token of every prompt, normalised.
    private static double[] cheapEmbedding(float[] embed, int hidden, List<int[]> prompts) {
        double[] v = new double[hidden];
        int vocab = embed.length / hidden;
        for (int[] ids : prompts) {
            for (int id : ids) {
                if (id < 0 || id >= vocab) {
                    throw new CrucibleException("a router prompt has token id " + id + " outside the embedding's "
                            + vocab + " rows; the tokenizer does not match the base model");
                }
                for (int j = 0; j < hidden; j++) {
                    v[j] += embed[id * hidden + j];
                }
            }
        }
        normalise(v);
        return v;
    }

    private static float[] readEmbedding(Path base) {
        try (Checkpoint ckpt = Checkpoint.open(base)) {
            String name = "model.embed_tokens.weight";
            if (!ckpt.contains(name)) {
                throw new CrucibleException(base + ": no tensor " + name + "; cheap_embed needs the base's embeddings");
            }
            return ckpt.readFloats(name);
        }
    }

    /** Divides v by its L2 norm, clamped below at 1e-8 as mergekit does. */
    static void normalise(double[] v) {
        double sq = 0;
        for (double x : v) {
            sq += x * x;
        }
        double norm = Math.max(Math.sqrt(sq), 1e-8);
        for (int j = 0; j < v.length; j++) {
            v[j] /= norm;
        }
    }
}
