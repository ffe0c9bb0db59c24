package dev.crucible.evolve.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.crucible.config.ConfigFiles;
import dev.crucible.config.FieldErrors;
import dev.crucible.config.ObjectFields;
import dev.crucible.task.TaskSelection;
import dev.crucible.task.TaskSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads an evolution config (YAML). Every error names the file and the field, e.g.
 * {@code evolve.yml: search.sigma: expected a positive number, got -1}.
 */
public final class EvolveConfigParser {

    /** Merge methods the parameter-space genome can drive. */
    public static final List<String> PARAMETER_METHODS = List.of("linear", "task_arithmetic", "ties", "dare_ties",
            "slerp");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> TOP_KEYS = Set.of("base_model", "task_vector_base", "models", "merge_method",
            "genome", "search", "tasks", "test_tasks", "moe");
    private static final Set<String> GENOME_KEYS = Set.of("layer_groups", "filters", "space", "weight_range",
            "normalize", "repeats", "scale_max");
    private static final Set<String> SEARCH_KEYS = Set.of("population", "max_evaluations", "sigma", "seed",
            "separable", "restarts");
    private static final Set<String> TASK_KEYS = Set.of("name", "path", "limit", "extract", "max_new_tokens");

    private final Path file;
    private final Path dir;
    private final FieldErrors errors;

    private EvolveConfigParser(Path file) {
        this.file = file;
        this.errors = FieldErrors.inFile(file.toString());
        this.dir = file.toAbsolutePath().normalize().getParent();
    }

    /** Reads and checks the config file; model and task files must exist. */
    public static EvolveConfig parse(Path file) {
        String text = ConfigFiles.read(file, "config");
        return new EvolveConfigParser(file).read(text);
    }

    private EvolveConfig read(String text) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
            throw error("", "not valid YAML: " + String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("")
                    + where);
        } catch (IOException e) {
            throw error("", "cannot read config: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw error("", "expected a mapping with base_model, models, merge_method, genome, search and tasks");
        }
        ObjectFields.of(root, "", "a mapping", errors).rejectUnknown(TOP_KEYS);
        GenomeSettings genome = genome(root.get("genome"));
        if (genome.space() == SearchSpace.MOE || root.has("moe")) {
            dev.crucible.moe.MoeConfig moe = MoeSpaceConfig.read(file, dir, root, genome.space());
            return new EvolveConfig(file.toAbsolutePath().normalize(), moe.baseModel(), null,
                    moe.experts().stream().map(dev.crucible.moe.MoeExpert::sourceModel).toList(), "moe", genome,
                    search(root.get("search")), tasks(root.get("tasks"), "tasks", true),
                    tasks(root.get("test_tasks"), "test_tasks", false), moe);
        }
        Path base = root.hasNonNull("base_model") ? folder(root.get("base_model"), "base_model") : null;
        List<Path> models = models(root.get("models"));
        String method = method(root.get("merge_method"), genome.space());
        checkModelCounts(method, base, models, genome.space());
        Path taskVectorBase = root.hasNonNull("task_vector_base")
                ? folder(root.get("task_vector_base"), "task_vector_base") : null;
        if (taskVectorBase != null && (base == null || genome.space() == SearchSpace.DATAFLOW
                || method.equals("linear") || method.equals("slerp"))) {
            throw error("task_vector_base", "applies to task-vector merges (task_arithmetic, ties, dare_ties) onto a "
                    + "base_model, e.g. base_model: the VLM, task_vector_base: the LM it started from");
        }
        SearchSettings search = search(root.get("search"));
        List<TaskSelection> tasks = tasks(root.get("tasks"), "tasks", true);
        List<TaskSelection> testTasks = tasks(root.get("test_tasks"), "test_tasks", false);
        return new EvolveConfig(file.toAbsolutePath().normalize(), base, taskVectorBase, models, method, genome, search,
                tasks, testTasks, null);
    }

    private List<Path> models(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw error("models", "expected a non-empty list of model folders, e.g. [experts/add, experts/rev]");
        }
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode entry = node.get(i);
            String field = "models[" + i + "]";
            if (entry.isObject()) {
                ObjectFields.of(entry, field, "a mapping", errors).rejectUnknown(Set.of("model"));
                out.add(folder(entry.get("model"), field + ".model"));
            } else {
                out.add(folder(entry, field));
            }
        }
        if (new HashSet<>(out).size() != out.size()) {
            throw error("models", "lists the same folder twice; list each source model once");
        }
        return out;
    }

    private String method(JsonNode node, SearchSpace space) {
        if (node == null || node.isNull()) {
            if (space == SearchSpace.DATAFLOW) {
                return "passthrough";
            }
            throw error("merge_method", "missing; one of " + String.join(", ", PARAMETER_METHODS));
        }
        if (!node.isTextual()) {
            throw error("merge_method", "expected a method name, got " + node);
        }
        String name = node.textValue().trim().toLowerCase(Locale.ROOT).replace('-', '_');
        if (space == SearchSpace.DATAFLOW) {
            return name;
        }
        if (!PARAMETER_METHODS.contains(name)) {
            throw error("merge_method", "'" + node.textValue() + "' cannot be evolved; use one of "
                    + String.join(", ", PARAMETER_METHODS));
        }
        return name;
    }

    private void checkModelCounts(String method, Path base, List<Path> models, SearchSpace space) {
        if (space == SearchSpace.DATAFLOW) {
            if (models.size() < 2) {
                throw error("models", "the data-flow space needs at least two models (the first supplies "
                        + "embeddings and head), got " + models.size());
            }
            return;
        }
        switch (method) {
            case "slerp" -> {
                if (base == null || models.size() != 1) {
                    throw error("models", "slerp interpolates base_model and exactly one model; give base_model and "
                            + "one entry in models");
                }
            }
            case "linear" -> {
                if (models.size() < 2) {
                    throw error("models", "linear needs at least two models, got " + models.size());
                }
            }
            default -> {
                if (base == null) {
                    throw error("base_model", "missing; " + method + " takes task vectors against the base model");
                }
            }
        }
        if (base != null && models.contains(base)) {
            throw error("models", "lists base_model " + base + " again; list only the models merged onto it");
        }
    }

    private GenomeSettings genome(JsonNode node) {
        GenomeSettings d = GenomeSettings.defaults();
        if (node == null || node.isNull()) {
            return d;
        }
        ObjectFields fields = ObjectFields.of(node, "genome", "a mapping", errors).rejectUnknown(GENOME_KEYS);
        int groups = fields.wholeNumber("layer_groups", d.layerGroups(), 1, Integer.MAX_VALUE);
        List<String> filters = new ArrayList<>();
        JsonNode f = node.get("filters");
        if (f != null && !f.isNull()) {
            if (!f.isArray()) {
                throw error("genome.filters", "expected a list of tensor-name substrings such as [self_attn, mlp]");
            }
            for (int i = 0; i < f.size(); i++) {
                if (!f.get(i).isTextual() || f.get(i).textValue().isBlank()) {
                    throw error("genome.filters[" + i + "]", "expected a tensor-name substring, got " + f.get(i));
                }
                filters.add(f.get(i).textValue());
            }
            if (new HashSet<>(filters).size() != filters.size()) {
                throw error("genome.filters", "lists a filter twice");
            }
        }
        SearchSpace space = d.space();
        JsonNode s = node.get("space");
        if (s != null && !s.isNull()) {
            space = null;
            for (SearchSpace candidate : SearchSpace.values()) {
                if (candidate.configName().equals(s.asText())) {
                    space = candidate;
                }
            }
            if (space == null) {
                throw error("genome.space", "expected parameter, dataflow, both or moe, got " + s);
            }
        }
        double lo = d.weightMin();
        double hi = d.weightMax();
        JsonNode range = node.get("weight_range");
        if (range != null && !range.isNull()) {
            if (!range.isArray() || range.size() != 2 || !range.get(0).isNumber() || !range.get(1).isNumber()) {
                throw error("genome.weight_range", "expected [low, high], e.g. [0, 2], got " + range);
            }
            lo = range.get(0).doubleValue();
            hi = range.get(1).doubleValue();
            if (!(lo < hi) || !(lo <= 0.5 && hi >= 0.5)) {
                throw error("genome.weight_range", "expected low < high around the start value 0.5, got " + range);
            }
        }
        Boolean normalize = fields.bool("normalize").orElse(null);
        int repeats = fields.wholeNumber("repeats", d.repeats(), 1, Integer.MAX_VALUE);
        double scaleMax = fields.number("scale_max").orElse(d.scaleMax());
        if (!(scaleMax > 1)) {
            throw error("genome.scale_max", "expected a number above 1 (a scale of 1 keeps a layer as it is), got "
                    + scaleMax);
        }
        return new GenomeSettings(groups, filters, space, lo, hi, normalize, repeats, scaleMax);
    }

    private SearchSettings search(JsonNode node) {
        if (node == null || node.isNull()) {
            throw error("search", "missing; give at least {max_evaluations: N}");
        }
        ObjectFields fields = ObjectFields.of(node, "search", "a mapping", errors).rejectUnknown(SEARCH_KEYS);
        Integer population = fields.has("population")
                ? fields.wholeNumber("population", 0, 2, Integer.MAX_VALUE) : null;
        if (!fields.has("max_evaluations")) {
            throw error("search.max_evaluations", "missing; how many candidates to evaluate in all");
        }
        int max = fields.wholeNumber("max_evaluations", 0, 1, Integer.MAX_VALUE);
        if (population != null && max < population) {
            throw error("search.max_evaluations", max + " is less than one generation of " + population
                    + " candidates");
        }
        double sigma = fields.number("sigma").orElse(1.0 / 6);
        if (!(sigma > 0)) {
            throw error("search.sigma", "expected a positive step size such as 0.17, got " + sigma);
        }
        long seed = fields.longNumber("seed").orElse(0);
        Boolean separable = fields.bool("separable").orElse(null);
        int restarts = fields.wholeNumber("restarts", 0, 0, Integer.MAX_VALUE);
        return new SearchSettings(population, max, sigma, seed, separable, restarts);
    }

    private List<TaskSelection> tasks(JsonNode node, String field, boolean required) {
        if (node == null || node.isNull()) {
            if (required) {
                throw error(field, "missing; list the dev tasks as [{name: add, path: add_dev.jsonl}]");
            }
            return List.of();
        }
        if (!node.isArray() || (required && node.isEmpty())) {
            throw error(field, "expected a list of {name: NAME, path: FILE.jsonl}");
        }
        List<TaskSelection> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String f = field + "[" + i + "]";
            JsonNode t = node.get(i);
            ObjectFields task = ObjectFields.of(t, f, "a mapping", errors).rejectUnknown(TASK_KEYS);
            String name = text(t.get("name"), f + ".name");
            if (!names.add(name)) {
                throw error(f + ".name", "task '" + name + "' is listed twice");
            }
            Path path = dir.resolve(text(t.get("path"), f + ".path")).normalize();
            if (!Files.isRegularFile(path)) {
                throw error(f + ".path", "task file not found: " + path);
            }
            OptionalInt limit = task.has("limit") ? OptionalInt.of(task.wholeNumber("limit", 0, 1, Integer.MAX_VALUE))
                    : OptionalInt.empty();
            String extract = task.has("extract") ? text(t.get("extract"), f + ".extract") : null;
            Integer maxNew = task.has("max_new_tokens")
                    ? task.wholeNumber("max_new_tokens", 0, 1, Integer.MAX_VALUE) : null;
            out.add(new TaskSelection(new TaskSpec(name, path, extract, maxNew), limit));
        }
        return out;
    }

    private Path folder(JsonNode node, String field) {
        String name = text(node, field);
        Path path = dir.resolve(name).normalize();
        if (!Files.isDirectory(path)) {
            throw error(field, "model folder not found: " + path);
        }
        return path;
    }

    private String text(JsonNode node, String field) {
        if (node == null || node.isNull() || !node.isTextual() || node.textValue().isBlank()) {
            throw error(field, "expected text, got " + (node == null ? "nothing" : node));
        }
        return node.textValue().trim();
    }

    private RuntimeException error(String field, String what) {
        return errors.invalid(field, what);
    }
}
