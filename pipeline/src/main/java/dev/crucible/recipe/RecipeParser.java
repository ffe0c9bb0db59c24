package dev.crucible.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.config.ClosestName;
import dev.crucible.config.ConfigFiles;
import dev.crucible.config.FieldErrors;
import dev.crucible.config.ObjectFields;
import dev.crucible.error.CrucibleException;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeMethods;
import dev.crucible.tensor.DType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a mergekit YAML recipe into a {@link Recipe}, checking everything that can be checked without
 * opening a model: every error names the offending field, e.g. {@code slices[1].sources[0].layer_range}.
 */
public final class RecipeParser {

    private static final Logger LOG = LoggerFactory.getLogger(RecipeParser.class);

    /** Recipe errors name the field only: the merge command's messages are read next to the recipe it ran. */
    private static final FieldErrors FIELDS = FieldErrors.inFile("");

    private static final Set<String> TOP_LEVEL_KEYS = Set.of("merge_method", "base_model", "models", "slices",
            "parameters", "dtype", "out_dtype", "tokenizer_source", "tokenizer", "chat_template", "task_vector_base");

    private final String origin;
    private MergeMethod method;

    private RecipeParser(String origin) {
        this.origin = origin;
    }

    /** Parses a recipe file; model paths resolve against the file's folder. */
    public static Recipe parse(Path file) {
        String text = ConfigFiles.read(file, "recipe");
        Path dir = file.toAbsolutePath().getParent();
        return new RecipeParser(file.toString()).read(text, dir);
    }

    /** Parses recipe text; relative model paths resolve against {@code baseDir}. */
    public static Recipe parse(String yaml, Path baseDir) {
        return new RecipeParser("recipe").read(yaml, baseDir);
    }

    private Recipe read(String text, Path baseDir) {
        JsonNode tree = YamlTree.read(text, origin);
        if (tree == null || !tree.isObject()) {
            throw new CrucibleException(origin + ": a recipe is a YAML mapping with merge_method and models or slices");
        }
        ObjectFields root = ObjectFields.of(tree, "", "a mapping", FIELDS).rejectUnknown(TOP_LEVEL_KEYS);

        String methodName = root.requiredText("merge_method", null);
        method = MergeMethods.byName(methodName).orElseThrow(() -> {
            String suggestion = MergeMethods.suggest(methodName);
            return new CrucibleException("merge_method: unknown method '" + methodName + "'; "
                    + (suggestion != null ? "did you mean '" + suggestion + "'?"
                    : "known methods: " + String.join(", ", MergeMethods.names())));
        });

        String baseModel = root.text("base_model").orElse(null);
        if (baseModel == null && method.requiresBase()) {
            throw new CrucibleException("base_model: " + method.name()
                    + " needs a base model; add base_model: <folder of the model the others were fine-tuned from>");
        }

        boolean hasModels = root.has("models");
        boolean hasSlices = root.has("slices");
        if (hasModels == hasSlices) {
            throw new CrucibleException(hasModels
                    ? "models, slices: give one of them, not both (models: merges whole models; slices: stacks layer ranges)"
                    : "models: missing; list the models to merge (or give slices:)");
        }
        List<ModelEntry> models = hasModels ? models(root.raw("models")) : List.of();
        List<Slice> slices = hasSlices ? slices(root.raw("slices")) : List.of();

        Map<String, ParameterValue> parameters = parameters(root.raw("parameters"), "parameters", false);
        DType dtype = dtype(root, "dtype");
        DType outDtype = dtype(root, "out_dtype");
        String tokenizerSource = root.text("tokenizer_source").orElse(null);
        TokenizerSettings tokenizer = TokenizerBlock.parse(root.raw("tokenizer"));
        if (tokenizerSource != null && tokenizer != null) {
            throw new CrucibleException("tokenizer_source, tokenizer: give one of them, not both "
                    + "(tokenizer: {source: ...} is the newer form of tokenizer_source)");
        }
        if (tokenizerSource != null && tokenizerSource.isBlank()) {
            throw new CrucibleException("tokenizer_source: empty; give union, base or a model folder");
        }
        String chatTemplate = root.text("chat_template").orElse(null);
        NamedChatTemplates.check(chatTemplate);
        String taskVectorBase = root.text("task_vector_base").orElse(null);
        if (taskVectorBase != null && baseModel == null) {
            throw new CrucibleException("task_vector_base: needs base_model too (task vectors taken against "
                    + "task_vector_base are added to base_model)");
        }
        return new Recipe(method.name(), baseModel, models, slices, parameters, dtype, outDtype,
                tokenizerSource, chatTemplate, taskVectorBase, baseDir, tokenizer);
    }

    private List<ModelEntry> models(JsonNode node) {
        if (!node.isArray() || node.isEmpty()) {
            throw new CrucibleException("models: expected a non-empty list of {model: PATH, parameters: {...}}");
        }
        List<ModelEntry> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String field = "models[" + i + "]";
            JsonNode entry = node.get(i);
            if (entry.isTextual()) {
                out.add(new ModelEntry(modelString(entry, field + ".model"), Map.of()));
                continue;
            }
            ObjectFields.of(entry, field, "{model: PATH, parameters: {...}}", FIELDS)
                    .rejectUnknown(Set.of("model", "parameters"));
            String model = modelString(entry.get("model"), field + ".model");
            out.add(new ModelEntry(model, parameters(entry.get("parameters"), field + ".parameters", true)));
        }
        return out;
    }

    private List<Slice> slices(JsonNode node) {
        if (!node.isArray() || node.isEmpty()) {
            throw new CrucibleException("slices: expected a non-empty list of {sources: [...]}");
        }
        List<Slice> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String field = "slices[" + i + "]";
            JsonNode slice = node.get(i);
            ObjectFields.of(slice, field, "{sources: [{model: PATH, layer_range: [start, end]}]}", FIELDS)
                    .rejectUnknown(Set.of("sources", "parameters"));
            JsonNode sources = slice.get("sources");
            if (sources == null || !sources.isArray() || sources.isEmpty()) {
                throw new CrucibleException(field + ".sources: expected a non-empty list of {model: PATH, layer_range: [start, end]}");
            }
            List<SliceSource> list = new ArrayList<>();
            for (int j = 0; j < sources.size(); j++) {
                String sf = field + ".sources[" + j + "]";
                JsonNode src = sources.get(j);
                ObjectFields.of(src, sf, "{model: PATH, layer_range: [start, end]}", FIELDS)
                    .rejectUnknown(Set.of("model", "layer_range", "parameters"));
                String model = modelString(src.get("model"), sf + ".model");
                int[] range = layerRange(src.get("layer_range"), sf + ".layer_range");
                SliceSource source = new SliceSource(model, range, parameters(src.get("parameters"), sf + ".parameters", true));
                if (!list.isEmpty() && source.length() != list.getFirst().length()) {
                    throw new CrucibleException(sf + ".layer_range: covers " + source.length() + " layers but "
                            + field + ".sources[0] covers " + list.getFirst().length()
                            + "; every source of a slice must cover the same number of layers");
                }
                list.add(source);
            }
            if ("passthrough".equals(method.name()) && list.size() != 1) {
                throw new CrucibleException(field + ".sources: passthrough takes exactly one source per slice, got "
                        + list.size());
            }
            out.add(new Slice(list, parameters(slice.get("parameters"), field + ".parameters", false)));
        }
        return out;
    }

    private static int[] layerRange(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            throw new CrucibleException(field + ": missing; give [start, end) like [0, 4]");
        }
        if (!node.isArray() || node.size() != 2 || !node.get(0).isIntegralNumber() || !node.get(1).isIntegralNumber()) {
            throw new CrucibleException(field + ": expected two whole numbers [start, end), got " + node);
        }
        // canConvertToInt: a value beyond int range must not wrap (4294967298 would read as 2).
        if (!node.get(0).canConvertToInt() || !node.get(1).canConvertToInt()) {
            throw new CrucibleException(field + ": " + node + " is beyond any model's layer count; give [start, end)"
                    + " within the model's layers");
        }
        int a = node.get(0).intValue();
        int b = node.get(1).intValue();
        if (a < 0 || b <= a) {
            throw new CrucibleException(field + ": expected [start, end) with 0 <= start < end, got [" + a + ", " + b + "]");
        }
        return new int[] {a, b};
    }

    private Map<String, ParameterValue> parameters(JsonNode node, String field, boolean perModel) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        ObjectFields.of(node, field, "a mapping of parameter names to values", FIELDS);
        Map<String, ParameterValue> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            String pf = field + "." + name;
            boolean reads = readsParameter(name, pf, perModel);
            // an ignored parameter's value is still checked, as mergekit's config model checks it
            ParameterValue value = value(e.getValue(), pf, true);
            if (reads) {
                out.put(name, value);
            }
        }
        return out;
    }

    /**
     * Whether the method reads {@code name} where it is written. mergekit reads only the parameters a method
     * declares ({@code MergeMethod.parameters()} for global ones, {@code tensor_parameters()} per model; see
     * {@code mergekit/plan.py}, {@code plan_tensor}) and silently skips every other name, so recipes carry
     * parameters of other methods (mergekit's own tests set {@code weight} on slerp models): those, and a
     * global parameter under a model (mergekit reads globals without a model), are dropped with a one-line
     * warning. A name no method declares is a misspelling and an error with the closest known name.
     */
    private boolean readsParameter(String name, String field, boolean perModel) {
        if (method.modelParameters().contains(name)) {
            return true;
        }
        if (method.globalParameters().contains(name)) {
            if (perModel) {
                LOG.warn("{}: '{}' is a global parameter of {}; mergekit reads it only from the top-level or slice "
                        + "parameters, so it is ignored here", field, name, method.name());
                return false;
            }
            return true;
        }
        List<String> users = MergeMethods.methodsWithParameter(name);
        if (!users.isEmpty()) {
            LOG.warn("{}: {} does not use '{}' (a parameter of {}); ignored, as mergekit ignores it", field,
                    method.name(), name, String.join(", ", users));
            return false;
        }
        Set<String> known = new TreeSet<>(method.modelParameters());
        if (!perModel) {
            known.addAll(method.globalParameters());
        }
        String guess = ClosestName.of(name, known);
        throw new CrucibleException(field + ": " + method.name() + " has no parameter '" + name + "'"
                + (guess != null ? "; did you mean '" + guess + "'?" : "")
                + (known.isEmpty() ? "; it takes none" : (guess != null ? " (known: " : "; known: ")
                + String.join(", ", known) + (guess != null ? ")" : "")));
    }

    private static ParameterValue value(JsonNode node, String field, boolean allowRules) {
        if (node.isNumber()) {
            return ParameterValue.Scalar.of(node.doubleValue());
        }
        if (node.isBoolean()) {
            return new ParameterValue.Scalar(node.booleanValue());
        }
        if (node.isArray() && !node.isEmpty()) {
            boolean allNumbers = true;
            boolean allObjects = true;
            for (JsonNode e : node) {
                allNumbers &= e.isNumber();
                allObjects &= e.isObject();
            }
            if (allNumbers) {
                List<Double> points = new ArrayList<>();
                node.forEach(e -> points.add(e.doubleValue()));
                return new ParameterValue.Gradient(points);
            }
            if (allObjects && allowRules) {
                List<FilterRule> rules = new ArrayList<>();
                for (int i = 0; i < node.size(); i++) {
                    rules.add(rule(node.get(i), field + "[" + i + "]"));
                }
                return new ParameterValue.FilterRules(rules);
            }
        }
        if (node.isObject() && allowRules) {
            return new ParameterValue.FilterRules(List.of(rule(node, field)));
        }
        throw new CrucibleException(field + ": expected a number, true/false, a list of numbers (gradient)"
                + (allowRules ? " or a list of {filter: SUBSTRING, value: ...} rules" : "") + ", got " + node);
    }

    private static FilterRule rule(JsonNode node, String field) {
        ObjectFields.of(node, field, "a mapping", FIELDS).rejectUnknown(Set.of("filter", "value"));
        JsonNode filter = node.get("filter");
        if (filter != null && !filter.isNull() && !filter.isTextual()) {
            throw new CrucibleException(field + ".filter: expected a substring of tensor names, got " + filter);
        }
        JsonNode value = node.get("value");
        if (value == null || value.isNull()) {
            throw new CrucibleException(field + ".value: missing; a filter rule needs a value");
        }
        return new FilterRule(filter == null || filter.isNull() ? null : filter.textValue(),
                value(value, field + ".value", false));
    }

    private static DType dtype(ObjectFields root, String field) {
        String name = root.text(field).orElse(null);
        return name == null ? null : DType.parseUserName(name, field);
    }

    private static String modelString(JsonNode node, String field) {
        if (node == null || node.isNull() || (node.isTextual() && node.textValue().isBlank())) {
            throw new CrucibleException(field + ": missing; give the model's folder");
        }
        if (!node.isTextual()) {
            throw new CrucibleException(field + ": expected a folder path, got " + node);
        }
        return node.textValue().trim();
    }
}
