package dev.crucible.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.error.CrucibleException;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.PickleCheckpoints;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A Hugging Face model folder: {@code config.json}, the weights, tokenizer and processor files,
 * and other configs such as {@code generation_config.json}. Weights are opened on first use.
 */
public final class ModelFolder implements AutoCloseable {

    /** Tokenizer and processor files a merge output must carry over, in this order. */
    public static final List<String> TOKENIZER_FILES = List.of(
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
            "vocab.json", "merges.txt", "added_tokens.json", "chat_template.json", "chat_template.jinja",
            "preprocessor_config.json", "processor_config.json");

    private static final String CONFIG = "config.json";

    private final Path dir;
    private final JsonNode config;
    private Checkpoint weights;
    private ModelLayout layout;

    private ModelFolder(Path dir, JsonNode config) {
        this.dir = dir;
        this.config = config;
    }

    /** Opens {@code dir}, reading and checking {@code config.json}. */
    public static ModelFolder open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CrucibleException(dir + " is not a folder; give the folder that holds config.json and the weights");
        }
        Path configFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new CrucibleException(dir + " has no config.json; is it a Hugging Face model folder?");
        }
        JsonNode config;
        try {
            config = new ObjectMapper().readTree(configFile.toFile());
        } catch (IOException e) {
            throw new CrucibleException(configFile + " is not valid JSON ("
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")");
        }
        if (config == null || !config.isObject()) {
            throw new CrucibleException(configFile + " must hold a JSON object");
        }
        return new ModelFolder(dir, config);
    }

    /** The folder. */
    public Path dir() {
        return dir;
    }

    /** The parsed {@code config.json}. */
    public JsonNode config() {
        return config;
    }

    /** The weights, opened (memory-mapped) on first call and closed with this folder. */
    public synchronized Checkpoint weights() {
        if (weights == null) {
            weights = Checkpoint.open(dir);
        }
        return weights;
    }

    /** Tokenizer and processor files present in the folder. */
    public List<Path> tokenizerFiles() {
        return TOKENIZER_FILES.stream().map(dir::resolve).filter(Files::isRegularFile).toList();
    }

    /**
     * Other JSON configs to carry into a derived model (e.g. {@code generation_config.json}): every
     * {@code *.json} file that is not config.json, a tokenizer file or a weight index.
     */
    public List<Path> extraFiles() {
        Set<String> known = Set.copyOf(TOKENIZER_FILES);
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> {
                        String n = p.getFileName().toString();
                        return n.endsWith(".json") && !n.startsWith(".") && !n.equals(CONFIG) && !known.contains(n)
                                && !n.endsWith(".index.json") && !PickleCheckpoints.isPickle(p);
                    })
                    .sorted().toList();
        } catch (IOException e) {
            throw new CrucibleException(dir + ": cannot list folder (" + e.getMessage() + ")", e);
        }
    }

    /** {@code architectures[0]} from the config, else {@code model_type}, else {@code unknown}. */
    public String architecture() {
        JsonNode arch = config.path("architectures");
        if (arch.isArray() && !arch.isEmpty() && arch.get(0).isTextual()) {
            return arch.get(0).asText();
        }
        return modelType();
    }

    /** The config's {@code model_type}, or {@code unknown}. */
    public String modelType() {
        return config.path("model_type").asText("unknown");
    }

    /** Whether the config describes a vision-language model (it has a {@code vision_config}). */
    public boolean isVisionLanguage() {
        return config.path("vision_config").isObject();
    }

    /** The language model's config: {@code text_config} for vision-language models, else the config itself. */
    public JsonNode textConfig() {
        JsonNode text = config.path("text_config");
        return text.isObject() ? text : config;
    }

    /** Decoder layers of the language model, from the config or, failing that, from the tensor names. */
    public int numHiddenLayers() {
        JsonNode n = textConfig().path("num_hidden_layers");
        if (n.isIntegralNumber()) {
            return n.asInt();
        }
        JsonNode gpt2 = textConfig().path("n_layer");
        if (gpt2.isIntegralNumber()) {
            return gpt2.asInt();
        }
        return layout().layerCount();
    }

    /** Whether the config ties the output head to the token embedding. */
    public boolean tieWordEmbeddings() {
        JsonNode top = config.path("tie_word_embeddings");
        if (top.isBoolean()) {
            return top.asBoolean();
        }
        return textConfig().path("tie_word_embeddings").asBoolean(false);
    }

    /** The layout of the weights. */
    public synchronized ModelLayout layout() {
        if (layout == null) {
            layout = ModelLayout.of(weights().infos(), tieWordEmbeddings());
        }
        return layout;
    }

    /** Closes the weights if they were opened. */
    @Override
    public synchronized void close() {
        if (weights != null) {
            weights.close();
        }
    }
}
