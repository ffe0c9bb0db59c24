package dev.crucible.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.error.CrucibleException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The fields of a PEFT {@code adapter_config.json} that decide how a LoRA adapter changes its base, with
 * PEFT's defaults ({@code peft/tuners/lora/config.py}: r 8, lora_alpha 8).
 *
 * @param r            the default rank
 * @param loraAlpha    the default alpha
 * @param useRslora    scale by alpha/sqrt(r) instead of alpha/r (rank-stabilised LoRA)
 * @param fanInFanOut  the base layers store their weights as (in, out), as GPT-2's Conv1D does
 * @param loraBias     {@code lora_B} carries a bias that is added to the base layer's bias
 * @param rankPattern  per-module ranks, keyed by a regex matched against the end of the module name
 * @param alphaPattern per-module alphas, keyed the same way
 * @param modulesToSave modules stored whole in the adapter, replacing the base's
 * @param targetModules modules the adapter adapts, as written (informational)
 */
public record LoraConfig(int r, double loraAlpha, boolean useRslora, boolean fanInFanOut, boolean loraBias,
                         Map<String, Integer> rankPattern, Map<String, Double> alphaPattern,
                         List<String> modulesToSave, List<String> targetModules) {

    /** The adapter's configuration file name. */
    public static final String FILE = "adapter_config.json";

    public LoraConfig {
        rankPattern = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rankPattern));
        alphaPattern = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(alphaPattern));
        modulesToSave = List.copyOf(modulesToSave);
        targetModules = List.copyOf(targetModules);
    }

    /** Reads and checks {@code adapter_config.json} in {@code adapterDir}. */
    public static LoraConfig read(Path adapterDir) {
        Path file = adapterDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new CrucibleException(file + " not found; a LoRA adapter folder holds adapter_config.json and "
                    + "adapter_model.safetensors (as PEFT's save_pretrained writes them)");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new CrucibleException(file + " is not valid JSON ("
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")");
        }
        if (root == null || !root.isObject()) {
            throw new CrucibleException(file + " must hold a JSON object");
        }
        String type = root.path("peft_type").asText("LORA");
        if (!type.equalsIgnoreCase("LORA")) {
            throw new CrucibleException(file + ": peft_type " + type + " is not supported; only LoRA adapters can be "
                    + "applied");
        }
        if (root.path("use_dora").asBoolean(false)) {
            throw new CrucibleException(file + ": use_dora is true; DoRA adapters are not supported, merge it with "
                    + "PEFT's merge_and_unload first");
        }
        int r = positiveInt(file, "r", root.get("r"), 8);
        double alpha = number(file, "lora_alpha", root.get("lora_alpha"), 8);
        Map<String, Integer> rankPattern = new LinkedHashMap<>();
        patterns(file, root, "rank_pattern").forEach((k, v) -> rankPattern.put(k,
                positiveInt(file, "rank_pattern." + k, v, 0)));
        Map<String, Double> alphaPattern = new LinkedHashMap<>();
        patterns(file, root, "alpha_pattern").forEach((k, v) -> alphaPattern.put(k,
                number(file, "alpha_pattern." + k, v, 0)));
        return new LoraConfig(r, alpha, bool(file, root, "use_rslora"), bool(file, root, "fan_in_fan_out"),
                bool(file, root, "lora_bias"), rankPattern, alphaPattern, names(file, root, "modules_to_save"),
                names(file, root, "target_modules"));
    }

    /** The rank of a module: its {@code rank_pattern} entry, else {@code r}. */
    public int rankOf(String module) {
        String key = patternKey(rankPattern.keySet(), module);
        return key == null ? r : rankPattern.get(key);
    }

    /**
     * The factor {@code B·A} is multiplied by before it is added to a module's weight, as PEFT's
     * {@code LoraLayer.update_layer} sets {@code scaling}: alpha/r, or alpha/sqrt(r) with rsLoRA.
     */
    public double scaleOf(String module) {
        String key = patternKey(alphaPattern.keySet(), module);
        double alpha = key == null ? loraAlpha : alphaPattern.get(key);
        int rank = rankOf(module);
        return useRslora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    /** PEFT's {@code get_pattern_key}: the first key that matches the whole name or a dotted suffix of it. */
    private static String patternKey(Iterable<String> keys, String module) {
        for (String key : keys) {
            if (Pattern.compile("(.*\\.)?(" + key + ")$").matcher(module).matches()) {
                return key;
            }
        }
        return null;
    }

    private static Map<String, JsonNode> patterns(Path file, JsonNode root, String field) {
        JsonNode node = root.get(field);
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw new CrucibleException(file + ": " + field + " must be an object of module name -> value");
        }
        node.properties().forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    private static List<String> names(Path file, JsonNode root, String field) {
        JsonNode node = root.get(field);
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (node.isTextual()) {
            // PEFT also takes one regex for target_modules.
            out.add(node.asText());
            return out;
        }
        if (!node.isArray()) {
            throw new CrucibleException(file + ": " + field + " must be a list of module names");
        }
        for (JsonNode n : node) {
            if (!n.isTextual()) {
                throw new CrucibleException(file + ": " + field + " must be a list of module names, got " + n);
            }
            out.add(n.asText());
        }
        return out;
    }

    private static boolean bool(Path file, JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw new CrucibleException(file + ": " + field + " must be true or false, got " + node);
        }
        return node.asBoolean();
    }

    private static int positiveInt(Path file, String field, JsonNode node, int fallback) {
        if (node == null || node.isNull()) {
            if (fallback > 0) {
                return fallback;
            }
            throw new CrucibleException(file + ": " + field + " missing");
        }
        if (!node.canConvertToExactIntegral() || node.asInt() < 1) {
            throw new CrucibleException(file + ": " + field + " must be a positive whole number, got " + node);
        }
        return node.asInt();
    }

    private static double number(Path file, String field, JsonNode node, double fallback) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isNumber() || !Double.isFinite(node.asDouble())) {
            throw new CrucibleException(file + ": " + field + " must be a number, got " + node);
        }
        return node.asDouble();
    }
}
