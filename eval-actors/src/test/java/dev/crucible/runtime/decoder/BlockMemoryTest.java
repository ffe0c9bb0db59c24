package dev.crucible.runtime.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.crucible.runtime.LanguageModel;
import dev.crucible.runtime.LanguageModels;
import dev.crucible.runtime.TransformerLanguageModel;
import dev.crucible.runtime.Zoo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A forward pass frees each block's intermediates when the block ends. Before, the step kept every block's
 * attention scores and MLP activations until it closed: a 1024-token prompt to a 1 B model held 11 GB more.
 */
class BlockMemoryTest {

    @Test
    void aBlockLeavesOnlyItsOutputAndItsKeysAndValuesInTheStep() {
        try (LanguageModel model = LanguageModels.load(TinyLlama.config("LlamaForCausalLM"), Zoo.model("base"),
                TinyLlama.weights(3), "tiny");
             NDManager step = NDManager.newBaseManager("PyTorch")) {
            CausalDecoder decoder = ((TransformerLanguageModel) model).decoder();
            int tokens = 40;
            long[] ids = new long[tokens];
            for (int i = 0; i < tokens; i++) {
                ids[i] = 3 + i % 50;
            }
            boolean[][] valid = new boolean[1][tokens];
            Arrays.fill(valid[0], true);
            List<Integer> heldAtBlockStart = new ArrayList<>();
            try (KvCache cache = new KvCache(step, 1, TinyLlama.LAYERS)) {
                NDArray out = decoder.forward(decoder.embed(step.create(ids, new Shape(1, tokens))), valid, cache,
                        new LayerTap() {
                            @Override
                            public void blockInput(int layer, NDArray residual) {
                                heldAtBlockStart.add(step.getManagedArrays().size());
                            }

                            @Override
                            public void mlpInput(int layer, NDArray normed) {
                            }
                        });
                assertThat(out.getShape().getShape()).containsExactly(1L, tokens, TinyLlama.HIDDEN);
            }
            // What block 0 left behind when block 1 starts: its output, its keys and its values.
            assertThat(heldAtBlockStart).hasSize(TinyLlama.LAYERS);
            assertThat(heldAtBlockStart.get(1) - heldAtBlockStart.get(0)).isLessThanOrEqualTo(3);
        }
    }
}
