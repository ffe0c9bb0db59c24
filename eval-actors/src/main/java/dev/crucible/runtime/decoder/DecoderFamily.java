package dev.crucible.runtime.decoder;

import java.util.Arrays;
import java.util.List;

/** The decoder-only architectures the runtime runs, by their transformers class name. */
public enum DecoderFamily {
    LLAMA("LlamaForCausalLM", "llama"),
    MISTRAL("MistralForCausalLM", "mistral"),
    QWEN2("Qwen2ForCausalLM", "qwen2"),
    GEMMA2("Gemma2ForCausalLM", "gemma2"),
    PHI3("Phi3ForCausalLM", "phi3"),
    MIXTRAL("MixtralForCausalLM", "mixtral");

    private final String architecture;
    private final String modelType;

    DecoderFamily(String architecture, String modelType) {
        this.architecture = architecture;
        this.modelType = modelType;
    }

    /** The {@code architectures[0]} value in config.json. */
    public String architecture() {
        return architecture;
    }

    /** The {@code model_type} value in config.json (used for LLaVA's {@code text_config}). */
    public String modelType() {
        return modelType;
    }

    /** The family for an architecture name, or null. */
    public static DecoderFamily forArchitecture(String name) {
        return Arrays.stream(values()).filter(f -> f.architecture.equals(name)).findFirst().orElse(null);
    }

    /** The family for a model_type, or null. */
    public static DecoderFamily forModelType(String type) {
        return Arrays.stream(values()).filter(f -> f.modelType.equals(type)).findFirst().orElse(null);
    }

    /** All architecture names, for error messages. */
    public static List<String> architectures() {
        return Arrays.stream(values()).map(DecoderFamily::architecture).toList();
    }
}
