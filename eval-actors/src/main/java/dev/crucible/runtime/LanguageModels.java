package dev.crucible.runtime;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.error.CrucibleException;
import dev.crucible.runtime.decoder.CausalDecoder;
import dev.crucible.runtime.decoder.DecoderConfig;
import dev.crucible.runtime.decoder.DecoderFamily;
import dev.crucible.runtime.decoder.RotaryEmbedding;
import dev.crucible.runtime.vision.LlavaImageEncoder;
import dev.crucible.tensor.WeightSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Loads {@link LanguageModel}s from model folders or from in-memory weights. */
public final class LanguageModels {

    /** The LLaVA architecture name (a CLIP tower feeding one of the decoder families). */
    public static final String LLAVA = "LlavaForConditionalGeneration";

    /** Native memory one batch may use for logits and KV cache; sets how many rows run together. */
    public static final long BATCH_MEMORY_BYTES = 256L << 20;

    /** Fewest and most rows per forward pass, whatever the budget says. */
    public static final int MIN_BATCH = 8;
    /** See {@link #MIN_BATCH}. */
    public static final int MAX_BATCH = 256;

    // Rows are sized for a typical evaluation item: 64 cached tokens plus one row of logits.
    private static final int TYPICAL_TOKENS = 64;

    private static final String ENGINE = "PyTorch";

    /** Intra-op threads for PyTorch unless the user sets this property before the first model loads. */
    public static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";

    static {
        // OpenMP workers spin while waiting; with one worker per core they starve the JVM, the
        // actors and each other (measured 10x slower on 2 busy cores), so default to half the cores.
        if (System.getProperty(THREADS_PROPERTY) == null) {
            int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
            System.setProperty(THREADS_PROPERTY, Integer.toString(threads));
        }
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
    }

    private LanguageModels() {
    }

    /** Loads a Hugging Face model folder (config.json, safetensors weights, tokenizer.json). */
    public static LanguageModel load(Path modelDir) {
        try (ModelFolder folder = ModelFolder.open(modelDir)) {
            Path fileName = modelDir.toAbsolutePath().normalize().getFileName();
            String name = fileName == null ? modelDir.toString() : fileName.toString();
            return load(folder.config(), modelDir, folder.weights(), name);
        }
    }

    /**
     * Loads from a config and any weight source (e.g. a merge held in memory); tokenizerDir holds
     * tokenizer.json (and preprocessor_config.json for VLMs). Weights are copied into native memory,
     * so the source may be released afterwards.
     */
    public static LanguageModel load(JsonNode config, Path tokenizerDir, WeightSource weights, String name) {
        return load(config, tokenizerDir, weights, name, 0);
    }

    /** As {@link #load(JsonNode, Path, WeightSource, String)} with a fixed batch width (0: from the budget). */
    static LanguageModel load(JsonNode config, Path tokenizerDir, WeightSource weights, String name, int batchWidth) {
        String arch = architecture(config, name);
        NDManager manager = NDManager.newBaseManager(ENGINE);
        HuggingFaceTextTokenizer tokenizer = null;
        try {
            WeightLoader loader = new WeightLoader(weights, manager, name);
            String where = name + "/config.json";
            if (arch.equals(LLAVA)) {
                JsonNode text = config.path("text_config");
                String type = text.path("model_type").asText("llama");
                DecoderFamily family = DecoderFamily.forModelType(type);
                if (family == null) {
                    throw new CrucibleException(where + ": text_config.model_type '" + type
                            + "' is not supported; supported: " + modelTypes());
                }
                boolean classic = weights.contains("language_model.model.embed_tokens.weight");
                boolean current = weights.contains("model.language_model.embed_tokens.weight");
                if (!classic && !current) {
                    throw new CrucibleException(name + ": no language_model.model.embed_tokens.weight or "
                            + "model.language_model.embed_tokens.weight; is this a LLaVA checkpoint?");
                }
                DecoderConfig dc = DecoderConfig.fromJson(text, family, where + " text_config");
                CausalDecoder decoder = CausalDecoder.load(dc, RotaryEmbedding.fromConfig(text, dc.headDim(), where), loader,
                        classic ? "language_model.model." : "model.language_model.",
                        classic ? "language_model.lm_head.weight" : "lm_head.weight");
                LlavaImageEncoder vision = LlavaImageEncoder.load(config, readOptionalJson(
                                tokenizerDir.resolve("preprocessor_config.json")), loader,
                        classic ? "vision_tower.vision_model." : "model.vision_tower.vision_model.",
                        classic ? "multi_modal_projector." : "model.multi_modal_projector.", dc.hiddenSize(), where);
                int imageToken = config.has("image_token_index") ? config.get("image_token_index").asInt()
                        : config.path("image_token_id").asInt(32000);
                tokenizer = HuggingFaceTextTokenizer.load(tokenizerDir, text);
                return new TransformerLanguageModel(name, manager, decoder, vision, tokenizer, imageToken,
                        batchWidth > 0 ? batchWidth : maxBatch(dc));
            }
            DecoderFamily family = DecoderFamily.forArchitecture(arch);
            DecoderConfig dc = DecoderConfig.fromJson(config, family, where);
            CausalDecoder decoder = CausalDecoder.load(dc, RotaryEmbedding.fromConfig(config, dc.headDim(), where),
                    loader, "model.", "lm_head.weight");
            tokenizer = HuggingFaceTextTokenizer.load(tokenizerDir, config);
            return new TransformerLanguageModel(name, manager, decoder, null, tokenizer, -1,
                    batchWidth > 0 ? batchWidth : maxBatch(dc));
        } catch (RuntimeException e) {
            manager.close();
            if (tokenizer != null) {
                tokenizer.close();
            }
            throw e;
        }
    }

    /**
     * Rows per forward pass: as many as fit {@link #BATCH_MEMORY_BYTES} of float32 logits and KV
     * cache, because tiny models are bound by per-op overhead and gain most from wide batches.
     */
    static int maxBatch(DecoderConfig c) {
        long perRow = 4L * (c.vocabSize()
                + 2L * c.numLayers() * c.numKvHeads() * c.headDim() * TYPICAL_TOKENS);
        return (int) Math.clamp(BATCH_MEMORY_BYTES / perRow, MIN_BATCH, MAX_BATCH);
    }

    /** The {@code architectures} values this runtime can load. */
    public static List<String> supportedArchitectures() {
        List<String> all = new ArrayList<>(DecoderFamily.architectures());
        all.add(LLAVA);
        return List.copyOf(all);
    }

    private static String architecture(JsonNode config, String name) {
        JsonNode archs = config.get("architectures");
        String arch = archs != null && archs.isArray() && !archs.isEmpty() ? archs.get(0).asText() : null;
        if (arch == null) {
            DecoderFamily byType = DecoderFamily.forModelType(config.path("model_type").asText(""));
            if (byType != null) {
                return byType.architecture();
            }
            if (config.path("model_type").asText("").equals("llava")) {
                return LLAVA;
            }
            throw new CrucibleException(name + "/config.json: no 'architectures' entry; add e.g. [\"LlamaForCausalLM\"]");
        }
        if (!supportedArchitectures().contains(arch)) {
            throw new CrucibleException(name + ": unsupported architecture " + arch + "; supported: "
                    + String.join(", ", supportedArchitectures()));
        }
        return arch;
    }

    private static String modelTypes() {
        return String.join(", ", java.util.Arrays.stream(DecoderFamily.values()).map(DecoderFamily::modelType).toList());
    }

    private static JsonNode readOptionalJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new CrucibleException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
    }
}
