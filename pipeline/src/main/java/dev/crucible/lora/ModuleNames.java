package dev.crucible.lora;

import dev.crucible.tensor.TensorInfo;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a module of a checkpoint is, from its tensor names: mergekit's {@code extract_lora.py} asks PyTorch
 * ({@code named_modules()}, {@code isinstance(module, nn.Embedding)}); a safetensors file has only names, so
 * these are the names transformers gives input embeddings, output heads and position embeddings.
 */
final class ModuleNames {

    private static final Pattern LAYER = Pattern.compile("\\.(?:layers|h|blocks|layer)\\.(\\d+)\\.");

    private ModuleNames() {
    }

    /**
     * Sorts modules as a model defines them (mergekit walks {@code named_modules()}): embeddings, the layers by
     * number, the rest, the output head; ties keep the checkpoint's order (the sort is stable).
     */
    static long definitionOrder(String module) {
        if (isInputEmbedding(module)) {
            return 0;
        }
        if (isOutputEmbedding(module)) {
            return Long.MAX_VALUE;
        }
        Matcher m = LAYER.matcher(module);
        return m.find() ? 1 + Long.parseLong(m.group(1)) : Long.MAX_VALUE - 1;
    }

    /** The module a tensor belongs to: {@code model.layers.0.mlp.up_proj} for {@code ...up_proj.weight}. */
    static String moduleOf(String tensorName) {
        int dot = tensorName.lastIndexOf('.');
        return dot < 0 ? tensorName : tensorName.substring(0, dot);
    }

    /** The module's own name, as PEFT's target_modules and modules_to_save list it: {@code up_proj}. */
    static String lastComponent(String module) {
        return module.substring(module.lastIndexOf('.') + 1);
    }

    /** The token embedding ({@code get_input_embeddings()} in transformers). */
    static boolean isInputEmbedding(String module) {
        String key = lastComponent(module);
        return key.equals("embed_tokens") || key.equals("wte") || key.equals("word_embeddings")
                || key.equals("embed_in");
    }

    /** The output head ({@code get_output_embeddings()}). */
    static boolean isOutputEmbedding(String module) {
        String key = lastComponent(module);
        return key.equals("lm_head") || key.equals("embed_out");
    }

    /** Other {@code nn.Embedding} modules (positions), by the names transformers gives them. */
    static boolean isOtherEmbedding(String module, TensorInfo weight) {
        String key = lastComponent(module);
        return weight.shape().length == 2 && (key.equals("wpe") || key.endsWith("position_embedding")
                || key.equals("embed_positions") || key.equals("position_embeddings"));
    }
}
