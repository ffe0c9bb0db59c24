package dev.crucible.moe;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.crucible.config.ConfigFiles;
import dev.crucible.config.FieldErrors;
import dev.crucible.config.ObjectFields;
import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.DType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;

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
    private final FieldErrors errors;

    private MoeConfigParser(String origin) {
        this.origin = origin;
        this.errors = FieldErrors.inFile(origin);
    }

    /** Parses a config file; with allowAllSame, every expert may be the same model (mergekit's escape hatch). */
    public static MoeConfig parse(Path file, boolean allowAllSame) {
        String text = ConfigFiles.read(file, "config");
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
        ObjectFields top = ObjectFields.of(root, "", "a mapping", errors).rejectUnknown(TOP_LEVEL_KEYS);
        Path base = path(dir, top.scalarText("base_model").orElseThrow(() -> fail("base_model: missing; give the "
                + "folder of the model the experts were fine-tuned from")));
        String modeName = top.scalarText("gate_mode").orElse(null);
        GateMode mode = modeName == null ? GateMode.HIDDEN : GateMode.byName(modeName);
        if (mode == null) {
            throw fail("gate_mode: unknown mode '" + modeName + "'; use one of " + String.join(", ", GateMode.names()));
        }
        String dtypeName = top.scalarText("dtype").orElse(null);
        DType dtype = dtypeName == null ? null : DType.parseUserName(dtypeName, origin + ": dtype");
        // the range is checked with mergekit's other refusals, in its order
        int perToken = top.wholeNumber("experts_per_token").orElse(2);
        if (root.hasNonNull("shared_experts") && !root.get("shared_experts").isEmpty()) {
            throw fail("shared_experts: the Mixtral output has no shared experts (mergekit's qwen output has them;"
                    + " crucible writes Mixtral only); remove shared_experts");
        }
        String arch = top.scalarText("architecture").orElse(null);
        if (arch != null && !"mixtral".startsWith(arch.trim().toLowerCase(java.util.Locale.ROOT))) {
            throw fail("architecture: '" + arch + "' is not supported; crucible writes Mixtral (architecture: mixtral)");
        }
        String tokSource = top.scalarText("tokenizer_source").orElse(null);
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
            ObjectFields expert = ObjectFields.of(e, where, "a mapping with source_model and positive_prompts", errors)
                    .rejectUnknown(EXPERT_KEYS);
            String src = expert.requiredText("source_model", "give the folder of the dense model for this expert");
            out.add(new MoeExpert(path(dir, src), prompts(e.get("positive_prompts"), where + ".positive_prompts"),
                    prompts(e.get("negative_prompts"), where + ".negative_prompts"),
                    number(expert, "noise_scale"), number(expert, "residual_scale")));
        }
        return out;
    }

    private CalibrationSettings calibration(JsonNode node) {
        CalibrationSettings d = CalibrationSettings.DEFAULTS;
        if (node == null || node.isNull()) {
            return d;
        }
        ObjectFields fields = ObjectFields.of(node, "calibration", "a mapping (l2, max_iterations, min_accuracy)", errors)
                .rejectUnknown(CALIBRATION_KEYS);
        Double l2 = number(fields, "l2");
        Double iterations = number(fields, "max_iterations");
        Double minAccuracy = number(fields, "min_accuracy");
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

    private static Double number(ObjectFields fields, String key) {
        OptionalDouble v = fields.number(key);
        return v.isPresent() ? v.getAsDouble() : null;
    }

    private static Path path(Path dir, String p) {
        Path given = Path.of(p);
        return (given.isAbsolute() ? given : dir.resolve(given)).normalize();
    }

    private CrucibleException fail(String message) {
        return new CrucibleException(origin + ": " + message);
    }
}
