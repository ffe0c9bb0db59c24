package dev.crucible.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.runtime.LanguageModels;
import dev.crucible.runtime.TransformerLanguageModel;
import dev.crucible.runtime.decoder.CausalDecoder;
import dev.crucible.runtime.decoder.KvCache;
import dev.crucible.runtime.decoder.LayerTap;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a dense model on tokenized prompts, one prompt at a time (no padding), and keeps the hidden states
 * a router is derived from, per prompt and layer, as float32 [tokens * hidden] row-major.
 */
public final class PromptStates {

    /** Which activations to keep. */
    public enum Kind {
        /** The residual stream entering each block (transformers' {@code hidden_states[layer]}). */
        BLOCK_INPUT,
        /** The normalised input of each block's MLP: what the router of a Mixtral layer reads. */
        MLP_INPUT
    }

    /**
     * The states of one prompt.
     *
     * @param tokens the prompt's token count
     * @param layers per layer, [tokens * hidden] row-major
     */
    public record Trace(int tokens, float[][] layers) {
    }

    private PromptStates() {
    }

    /** Loads {@code modelDir} and traces every prompt. */
    public static List<Trace> trace(Path modelDir, List<int[]> prompts, Kind kind) {
        try (LanguageModel model = LanguageModels.load(modelDir)) {
            if (!(model instanceof TransformerLanguageModel tm)) {
                throw new CrucibleException(modelDir + ": not a decoder model this runtime can trace");
            }
            return trace(tm.decoder(), prompts, kind);
        }
    }

    /** Traces every prompt through {@code decoder}. */
    public static List<Trace> trace(CausalDecoder decoder, List<int[]> prompts, Kind kind) {
        int layers = decoder.config().numLayers();
        List<Trace> out = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (int[] ids : prompts) {
                if (ids.length > decoder.config().maxPositions()) {
                    throw new CrucibleException("a router prompt has " + ids.length + " tokens; the model takes at most "
                            + decoder.config().maxPositions());
                }
                float[][] states = new float[layers][];
                try (NDManager step = manager.newSubManager();
                     KvCache cache = new KvCache(step, 1, layers)) {
                    long[] wide = new long[ids.length];
                    for (int i = 0; i < ids.length; i++) {
                        wide[i] = ids[i];
                    }
                    NDArray input = step.create(wide, new Shape(1, ids.length));
                    boolean[][] valid = new boolean[1][ids.length];
                    java.util.Arrays.fill(valid[0], true);
                    decoder.forward(decoder.embed(input), valid, cache, new LayerTap() {
                        @Override
                        public void blockInput(int layer, NDArray residual) {
                            if (kind == Kind.BLOCK_INPUT) {
                                states[layer] = residual.toFloatArray();
                            }
                        }

                        @Override
                        public void mlpInput(int layer, NDArray normed) {
                            if (kind == Kind.MLP_INPUT) {
                                states[layer] = normed.toFloatArray();
                            }
                        }
                    });
                }
                out.add(new Trace(ids.length, states));
            }
        }
        return out;
    }
}
