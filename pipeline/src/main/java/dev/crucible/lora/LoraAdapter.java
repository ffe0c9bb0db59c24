package dev.crucible.lora;

import dev.crucible.error.CrucibleException;
import dev.crucible.safetensors.SafetensorsFile;
import dev.crucible.tensor.Tensor;
import dev.crucible.tensor.TensorInfo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PEFT LoRA adapter folder, opened: {@code adapter_config.json} and a memory-mapped
 * {@code adapter_model.safetensors} whose keys are PEFT's ({@code base_model.model.<module>.lora_A.weight},
 * {@code .lora_B.weight}, {@code .lora_B.bias}, {@code .lora_embedding_A}/{@code _B}), plus whole tensors of
 * {@code modules_to_save} under {@code base_model.model.<tensor name>}.
 */
public final class LoraAdapter implements AutoCloseable {

    /** The adapter's weights file name. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** The prefix PEFT gives every key of a causal LM's adapter. */
    public static final String PREFIX = "base_model.model.";

    private static final Pattern FACTOR = Pattern.compile(
            "^(.+)\\.(lora_A\\.weight|lora_B\\.weight|lora_B\\.bias|lora_embedding_A|lora_embedding_B)$");

    private final Path dir;
    private final LoraConfig config;
    private final SafetensorsFile weights;
    private final Map<String, LoraModule> modules;
    private final Map<String, String> replacements;

    private LoraAdapter(Path dir, LoraConfig config, SafetensorsFile weights, Map<String, LoraModule> modules,
                        Map<String, String> replacements) {
        this.dir = dir;
        this.config = config;
        this.weights = weights;
        this.modules = Collections.unmodifiableMap(modules);
        this.replacements = Collections.unmodifiableMap(replacements);
    }

    /** Opens and checks the adapter in {@code dir}. */
    public static LoraAdapter open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CrucibleException(dir + ": LoRA adapter folder not found");
        }
        LoraConfig config = LoraConfig.read(dir);
        Path file = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(file)) {
            Path bin = dir.resolve("adapter_model.bin");
            if (Files.isRegularFile(bin)) {
                throw new CrucibleException(bin + " is a pickle file, which can run code when loaded; Crucible "
                        + "reads " + WEIGHTS_FILE + ". Convert it once with: python -c \"import torch, "
                        + "safetensors.torch as st; st.save_file(torch.load('adapter_model.bin'), '" + WEIGHTS_FILE
                        + "')\"");
            }
            throw new CrucibleException(file + " not found; a LoRA adapter folder holds adapter_config.json and "
                    + WEIGHTS_FILE);
        }
        SafetensorsFile weights = SafetensorsFile.open(file);
        try {
            return index(dir, config, weights);
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    private static LoraAdapter index(Path dir, LoraConfig config, SafetensorsFile weights) {
        Path file = weights.path();
        Map<String, String[]> parts = new LinkedHashMap<>();
        Map<String, String> replacements = new LinkedHashMap<>();
        for (TensorInfo info : weights.tensors()) {
            String key = info.name();
            if (key.contains("lora_magnitude_vector")) {
                throw new CrucibleException(file + ": holds DoRA magnitudes (" + key + "); DoRA adapters are not "
                        + "supported");
            }
            if (!key.startsWith(PREFIX)) {
                throw new CrucibleException(file + ": tensor '" + key + "' does not start with " + PREFIX
                        + "; is this a PEFT adapter of a causal language model?");
            }
            String name = key.substring(PREFIX.length());
            Matcher m = FACTOR.matcher(name);
            if (!m.matches()) {
                replacements.put(name, key);
                continue;
            }
            String[] slot = parts.computeIfAbsent(m.group(1), k -> new String[3]);
            switch (m.group(2)) {
                case "lora_A.weight", "lora_embedding_A" -> slot[0] = key;
                case "lora_B.weight", "lora_embedding_B" -> slot[1] = key;
                default -> slot[2] = key;
            }
        }
        Map<String, LoraModule> modules = new LinkedHashMap<>();
        for (Map.Entry<String, String[]> e : parts.entrySet()) {
            String[] slot = e.getValue();
            if (slot[0] == null || slot[1] == null) {
                throw new CrucibleException(file + ": module " + e.getKey() + " has " + (slot[0] == null ? "no lora_A"
                        : "no lora_B") + " weight; the adapter is incomplete");
            }
            boolean embedding = slot[0].endsWith("lora_embedding_A");
            if (embedding != slot[1].endsWith("lora_embedding_B")) {
                throw new CrucibleException(file + ": module " + e.getKey() + " mixes lora_embedding_* and lora_* "
                        + "factors");
            }
            modules.put(e.getKey(), new LoraModule(e.getKey(), slot[0], slot[1], slot[2], embedding));
        }
        if (modules.isEmpty() && replacements.isEmpty()) {
            throw new CrucibleException(file + ": holds no tensors");
        }
        return new LoraAdapter(dir, config, weights, modules, replacements);
    }

    /** The adapter folder. */
    public Path dir() {
        return dir;
    }

    /** The weights file, for messages. */
    public Path file() {
        return weights.path();
    }

    /** The parsed configuration. */
    public LoraConfig config() {
        return config;
    }

    /** Adapted modules by module name. */
    Map<String, LoraModule> modules() {
        return modules;
    }

    /** Whole tensors from {@code modules_to_save}: the base tensor name -> the adapter's key. */
    Map<String, String> replacements() {
        return replacements;
    }

    /** A mapped view of one of the adapter's tensors by its key. */
    Tensor tensor(String key) {
        return weights.tensor(key);
    }

    /** Header facts of one of the adapter's tensors by its key. */
    TensorInfo info(String key) {
        return weights.info(key);
    }

    @Override
    public void close() {
        weights.close();
    }
}
