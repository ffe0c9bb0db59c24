package dev.crucible.lora;

/**
 * One adapted module of a LoRA adapter: the names of its factors in {@code adapter_model.safetensors}.
 *
 * @param module    the module's name in the model, e.g. {@code model.layers.0.self_attn.q_proj}
 * @param a         the down-projection {@code lora_A} (rank x in), or {@code lora_embedding_A} (rank x vocab)
 * @param b         the up-projection {@code lora_B} (out x rank), or {@code lora_embedding_B} (dim x rank)
 * @param bias      {@code lora_B.bias} when the adapter trains biases, else null
 * @param embedding an embedding module: its weight is {@code (B·A)ᵀ}-shaped (vocab x dim)
 */
record LoraModule(String module, String a, String b, String bias, boolean embedding) {

    /** The base tensor the factors change. */
    String weightName() {
        return module + ".weight";
    }

    /** The base bias {@code lora_B.bias} is added to. */
    String biasName() {
        return module + ".bias";
    }
}
