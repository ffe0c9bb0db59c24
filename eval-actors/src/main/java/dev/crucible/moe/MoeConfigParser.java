package dev.crucible.moe;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a mergekit-moe YAML config. Besides the syntax it applies mergekit's own refusals
 * ({@code is_bad_config} in {@code mergekit/moe/config.py}): experts_per_token at least 1 and at most the
 * number of experts, positive prompts for every expert unless the gates are {@code random}, not the same
 * prompts for every expert, not the same model for every expert (unless allowed). Model paths resolve
 * against the config file's folder.
 */
public final class MoeConfigParser {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> TOP_LEVEL_KEYS = Set.of("base_model", "experts", "gate_mode", "dtype",
            "experts_per_token", "shared_experts", "architecture", "tokenizer_source", "calibration");
    private static final Set<String> EXPERT_KEYS = Set.of("source_model", "positive_prompts", "negative_prompts",
            "noise_scale", "residual_scale");
    private static final Set<String> CALIBRATION_KEYS = Set.of("l2", "max_iterations", "min_accuracy");

    private final String origin;

    private MoeConfigParser(String origin) {
        this.origin = origin;
    }

    /** Parses a config file; with allowAllSame, every expert may be the same model (mergekit's escape hatch). */
    public static MoeConfig parse(Path file, boolean allowAllSame) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new CrucibleException(file + ": config file not found");
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot read config: " + e.getMessage(), e);
        }
        return parse(text, file.toAbsolutePath().getParent(), file.toString(), allowAllSame);
    }

    /** Parses config text; relative paths resolve against {@code baseDir}. */
    public static MoeConfig parse(String text, Path baseDir, String origin, boolean allowAllSame) {
        return new MoeConfigParser(origin).read(text, baseDir, allowAllSame);
    }

    private MoeConfig read(String text, Path dir, boolean allowAllSame) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JacksonException e) {
            throw fail("not valid YAML: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw fail("cannot read config: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw fail("a mergekit-moe config is a YAML mapping with base_model and experts");
        }
        unknownKeys(root, TOP_LEVEL_KEYS, "");
        Path base = path(dir, requiredString(root, "base_model"));
        String modeName = optionalString(root, "gate_mode");
        GateMode mode = modeName == null ? GateMode.HIDDEN : GateMode.byName(modeName);
        if (mode == null) {
            throw fail("gate_mode: unknown mode '" + modeName + "'; use one of " + String.join(", ", GateMode.names()));
        }
        String dtypeName = optionalString(root, "dtype");
        DType dtype = dtypeName == null ? null : DType.parseUserName(dtypeName, origin + ": dtype");
        int perToken = 2;
        if (root.hasNonNull("experts_per_token")) {
            JsonNode k = root.get("experts_per_token");
            if (!k.canConvertToInt() || !k.isIntegralNumber()) {
                throw fail("experts_per_token: must be a whole number, got '" + k.asText() + "'");
            }
            perToken = k.asInt();
        }
        if (root.hasNonNull("shared_experts") && !root.get("shared_experts").isEmpty()) {
            throw fail("shared_experts: the Mixtral output has no shared experts (mergekit's qwen output has them;"
                    + " crucible writes Mixtral only); remove shared_experts");
        }
        String arch = optionalString(root, "architecture");
        if (arch != null && !"mixtral".startsWith(arch.trim().toLowerCase(java.util.Locale.ROOT))) {
            throw fail("architecture: '" + arch + "' is not supported; crucible writes Mixtral (architecture: mixtral)");
        }
        String tokSource = optionalString(root, "tokenizer_source");
        Path tokenizer = tokSource == null || tokSource.equals("base") ? base : path(dir, tokSource);
        List<MoeExpert> experts = experts(root.get("experts"), dir);
        CalibrationSettings calibration = calibration(root.get("calibration"));
        if (root.hasNonNull("calibration") && mode != GateMode.CALIBRATED) {
            throw fail("calibration: only used with gate_mode: calibrated (gate_mode is " + mode.yamlName() + ")");
        }
        checkLikeMergekit(experts, mode, perToken, allowAllSame);
        return new MoeConfig(base, experts, mode, dtype, perToken, "mixtral", tokenizer, calibration, text);
    }

    // The refusals of mergekit's is_bad_config, in its order.
    private void checkLikeMergekit(List<MoeExpert> experts, GateMode mode, int perToken, boolean allowAllSame) {
        if (perToken < 1) {
            throw fail("experts_per_token: must be at least 1, got " + perToken);
        }
        if (experts.size() < perToken) {
            throw fail("experts_per_token: " + perToken + " but only " + experts.size()
                    + " expert(s); list at least as many experts as experts_per_token");
        }
        if (mode == GateMode.RANDOM) {
            return;
        }
        for (int i = 0; i < experts.size(); i++) {
            if (experts.get(i).positivePrompts().isEmpty()) {
                throw fail("experts[" + i + "].positive_prompts: missing; gate_mode " + mode.yamlName()
                        + " needs example prompts of what should be routed to each expert");
            }
        }
        MoeExpert first = experts.getFirst();
        if (experts.size() > 1 && experts.stream().allMatch(e -> e.positivePrompts().equals(first.positivePrompts())
                && e.negativePrompts().equals(first.negativePrompts()))) {
            throw fail("experts: the positive and negative prompts are identical for all experts, which cannot"
                    + " route; give each expert prompts of what should go to it");
        }
        if (!allowAllSame && experts.size() > 1 && experts.stream().allMatch(
                e -> e.sourceModel().equals(first.sourceModel()))) {
            throw fail("experts: every expert is the same model, which gives the same output at a higher cost;"
                    + " use --i-understand-this-is-not-useful-without-training if you will train it");
        }
    }

    private List<MoeExpert> experts(JsonNode node, Path dir) {
        if (node == null || node.isNull()) {
            throw fail("experts: missing; list the experts (source_model and positive_prompts each)");
        }
        if (!node.isArray() || node.isEmpty()) {
            throw fail("experts: must be a non-empty list");
        }
        List<MoeExpert> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode e = node.get(i);
            String where = "experts[" + i + "]";
            if (!e.isObject()) {
                throw fail(where + ": must be a mapping with source_model and positive_prompts");
            }
            unknownKeys(e, EXPERT_KEYS, where + ".");
            JsonNode src = e.get("source_model");
            if (src == null || !src.isTextual() || src.asText().isBlank()) {
                throw fail(where + ".source_model: missing; give the folder of the dense model for this expert");
            }
            out.add(new MoeExpert(path(dir, src.asText()), prompts(e.get("positive_prompts"), where + ".positive_prompts"),
                    prompts(e.get("negative_prompts"), where + ".negative_prompts"),
                    number(e, "noise_scale", where), number(e, "residual_scale", where)));
        }
        return out;
    }

    private CalibrationSettings calibration(JsonNode node) {
        CalibrationSettings d = CalibrationSettings.DEFAULTS;
        if (node == null || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            throw fail("calibration: must be a mapping (l2, max_iterations, min_accuracy)");
        }
        unknownKeys(node, CALIBRATION_KEYS, "calibration.");
        Double l2 = number(node, "l2", "calibration");
        Double iterations = number(node, "max_iterations", "calibration");
        Double minAccuracy = number(node, "min_accuracy", "calibration");
        if (l2 != null && !(l2 > 0)) {
            throw fail("calibration.l2: must be positive (it keeps separable routers finite), got " + l2);
        }
        if (iterations != null && (iterations < 1 || iterations != Math.rint(iterations))) {
            throw fail("calibration.max_iterations: must be a whole number >= 1, got " + iterations);
        }
        if (minAccuracy != null && (minAccuracy < 0 || minAccuracy > 1)) {
            throw fail("calibration.min_accuracy: must be in [0, 1], got " + minAccuracy);
        }
        return new CalibrationSettings(l2 == null ? d.l2() : l2,
                iterations == null ? d.maxIterations() : iterations.intValue(),
                minAccuracy == null ? d.minAccuracy() : minAccuracy);
    }

    private List<String> prompts(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw fail(where + ": must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode p : node) {
            if (!p.isTextual()) {
                throw fail(where + ": every prompt must be a string, got '" + p + "'");
            }
            out.add(p.asText());
        }
        return out;
    }

    private Double number(JsonNode obj, String field, String where) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw fail(where + "." + field + ": must be a number, got '" + v.asText() + "'");
        }
        return v.asDouble();
    }

    private void unknownKeys(JsonNode obj, Set<String> known, String prefix) {
        Set<String> unknown = new TreeSet<>();
        obj.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k)) {
                unknown.add(prefix + k);
            }
        });
        if (!unknown.isEmpty()) {
            throw fail("unknown key" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + "; known keys are " + String.join(", ", new TreeSet<>(known)));
        }
    }

    private String requiredString(JsonNode root, String field) {
        String s = optionalString(root, field);
        if (s == null) {
            throw fail(field + ": missing; give the folder of the model the experts were fine-tuned from");
        }
        return s;
    }

    private String optionalString(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isValueNode() || v.asText().isBlank()) {
            throw fail(field + ": must be a non-empty string");
        }
        return v.asText();
    }

    private static Path path(Path dir, String p) {
        Path given = Path.of(p);
        return (given.isAbsolute() ? given : dir.resolve(given)).normalize();
    }

    private CrucibleException fail(String message) {
        return new CrucibleException(origin + ": " + message);
    }
}
