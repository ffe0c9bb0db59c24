package dev.crucible.evolve.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.error.CrucibleException;
import dev.crucible.moe.MoeConfig;
import dev.crucible.moe.MoeConfigParser;
import dev.crucible.moe.MoeExpert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The evolve config's part for {@code genome.space: moe}: {@code moe: FILE}, a mergekit-moe config (base_model,
 * experts with positive_prompts, optionally dtype, experts_per_token and calibration) whose base and experts
 * are the search's models. Keys of the other spaces are refused, so a config never says more than is used.
 */
final class MoeSpaceConfig {

    /** Genome keys the MoE space reads. */
    static final Set<String> GENOME_KEYS = Set.of("space", "layer_groups");
    /** Top-level keys the MoE space takes from the MoE config instead. */
    private static final List<String> FROM_MOE_CONFIG = List.of("base_model", "models", "merge_method",
            "task_vector_base");

    private MoeSpaceConfig() {
    }

    /** Reads and checks the MoE config named by {@code root.moe}; errors name {@code file} and the field. */
    static MoeConfig read(Path file, Path dir, JsonNode root, SearchSpace space) {
        JsonNode moe = root.get("moe");
        if (space != SearchSpace.MOE) {
            throw error(file, "moe", "only used with genome.space: moe; remove it or set the space");
        }
        if (moe == null || moe.isNull() || !moe.isTextual() || moe.textValue().isBlank()) {
            throw error(file, "moe", "expected the mergekit-moe config file of the experts, e.g. moe: moe.yml, got "
                    + (moe == null ? "nothing" : moe));
        }
        for (String key : FROM_MOE_CONFIG) {
            if (root.has(key)) {
                throw error(file, key, "not used by the moe space (the base and experts come from the moe config); "
                        + "remove it");
            }
        }
        JsonNode genome = root.get("genome");
        genome.fieldNames().forEachRemaining(k -> {
            if (!GENOME_KEYS.contains(k)) {
                throw error(file, "genome." + k, "not used by the moe space; it reads only space and layer_groups");
            }
        });
        Path path = dir.resolve(moe.textValue().trim()).normalize();
        if (!Files.isRegularFile(path)) {
            throw error(file, "moe", "config file not found: " + path);
        }
        MoeConfig config = MoeConfigParser.parse(path, false);
        if (config.experts().size() < 2) {
            throw new CrucibleException(path + ": experts: the moe search mixes at least two experts, got "
                    + config.experts().size());
        }
        for (int e = 0; e < config.experts().size(); e++) {
            MoeExpert expert = config.experts().get(e);
            if (expert.positivePrompts().isEmpty()) {
                throw new CrucibleException(path + ": experts[" + e + "].positive_prompts: missing; the moe search "
                        + "calibrates routers on each expert's prompts (with answers, e.g. \"12+7=19\")");
            }
            if (expert.noiseScale() != null || expert.residualScale() != null) {
                throw new CrucibleException(path + ": experts[" + e + "]: noise_scale and residual_scale are not "
                        + "searched by crucible evolve; remove them");
            }
        }
        if (config.experts().stream().map(MoeExpert::sourceModel).distinct().count() != config.experts().size()) {
            throw new CrucibleException(path + ": experts: the moe search needs distinct expert models");
        }
        int layers;
        try (ModelFolder base = ModelFolder.open(config.baseModel())) {
            layers = base.numHiddenLayers();
        }
        JsonNode groups = genome.get("layer_groups");
        if (groups != null && groups.canConvertToInt() && groups.intValue() > layers) {
            throw error(file, "genome.layer_groups", groups.intValue() + " groups but the models have " + layers
                    + " layers; give at most " + layers);
        }
        return config;
    }

    private static CrucibleException error(Path file, String field, String what) {
        return new CrucibleException(file + ": " + field + ": " + what);
    }
}
