package dev.crucible.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.checkpoint.NamingScheme;
import dev.crucible.checkpoint.TensorName;
import dev.crucible.error.CrucibleException;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeMethods;
import dev.crucible.merge.MergeParameters;
import dev.crucible.recipe.EmbeddingSource;
import dev.crucible.recipe.ModelEntry;
import dev.crucible.recipe.NamedChatTemplates;
import dev.crucible.recipe.ModelReference;
import dev.crucible.recipe.ParameterValue;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.Slice;
import dev.crucible.recipe.SliceSource;
import dev.crucible.recipe.TokenizerSettings;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import dev.crucible.tokenizer.EmbeddingPermutation;
import dev.crucible.tokenizer.OutputVocabulary;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a {@link Recipe} into a {@link MergePlan}, opening only configs and safetensors headers, so
 * that every mistake (missing folder, mismatched layers or shapes, out-of-range layer_range, bad
 * parameter values) is reported before the first tensor byte is read.
 *
 * <p>Tensors are matched across models by their canonical language-model name, so a LLaVA-style VLM's
 * language model merges with plain LMs of the same shape; the output then takes the VLM's naming and
 * config, and its vision tower and projector are copied through.
 *
 * <p>Gradients follow mergekit's planner since v0.1.2 ({@code mergekit/plan.py}, {@code MergePlanner.plan_module}
 * and {@code plan_slice}): layer {@code i} of an {@code n}-layer slice sits at {@code t = i/(n-1)}
 * ({@code t = 1} for a one-layer slice); every tensor outside the layers takes {@code t = 0} — the
 * embeddings with the first slice's sources, the final norm and lm_head with the last slice's (mergekit
 * builds both from a {@code ConfigReader} made with {@code t=0}). Per-model parameter filters match the
 * input tensor's own name, global ones the output name, as mergekit's {@code plan_tensor} does.
 *
 * <p>When every model of a {@code models:} recipe is a VLM, mergekit plans the vision tower as a module of
 * its own (one slice over all its layers) and merges it with the same method: vision layer {@code i} of
 * {@code n} sits at {@code t = i/(n-1)}, its embeddings, final norm and the projector at {@code t = 0}. A VLM
 * merged with plain language models (which mergekit refuses), or a {@code slices:} recipe, keeps the vision
 * parts of the first VLM.
 */
public final class MergePlanner {

    private static final Pattern LAYER = Pattern.compile("^(.*?\\.(?:layers|h|blocks|layer)\\.)(\\d+)(\\..*)$");
    private static final String PASSTHROUGH = "passthrough";

    private final Recipe recipe;
    private final OpenedModels opened;
    private final MergeMethod method;
    private final Map<String, ModelIndex> indexes = new LinkedHashMap<>();
    private final Set<MergeParameters> validated = new HashSet<>();
    /** The model task vectors are taken against: task_vector_base when given, else base_model. */
    private final String deltaBase;
    /**
     * Linear averages every listed model, base_model included (as mergekit does); for it the base is
     * an ordinary source, not the model task vectors are taken against.
     */
    private final boolean baseIsOrdinarySource;
    /** The base merged task vectors are added to when it differs from {@link #deltaBase}. */
    private final String rebaseTarget;
    /** The output vocabulary when the recipe sets a tokenizer, else null. */
    private OutputVocabulary vocabulary;

    private MergePlanner(Recipe recipe, OpenedModels opened) {
        this.recipe = recipe;
        this.opened = opened;
        this.method = MergeMethods.byName(recipe.mergeMethod()).orElseThrow(() ->
                new CrucibleException("merge_method: unknown method '" + recipe.mergeMethod() + "'"));
        this.deltaBase = recipe.taskVectorBase() != null ? recipe.taskVectorBase() : recipe.baseModel();
        this.baseIsOrdinarySource = method.name().equals("linear") && recipe.taskVectorBase() == null;
        this.rebaseTarget = recipe.taskVectorBase() != null ? recipe.baseModel() : null;
    }

    /** Plans a merge, opening (and closing again) the models it needs. */
    public static MergePlan plan(Recipe recipe) {
        try (OpenedModels models = new OpenedModels()) {
            return plan(recipe, models);
        }
    }

    /** Plans a merge with models opened through (and kept in) {@code models}. */
    public static MergePlan plan(Recipe recipe, OpenedModels models) {
        return new MergePlanner(recipe, models).build();
    }

    private MergePlan build() {
        openAll();
        List<PlanSlice> slices = normalise();
        ModelIndex layout = layoutModel(slices);
        vocabulary = outputVocabulary();
        DType outDtype = outputDtype(slices);

        List<String> pre = new ArrayList<>();
        List<String> layerSuffixes = new ArrayList<>();
        List<String> post = new ArrayList<>();
        for (String canonical : layout.languageModel.keySet()) {
            Matcher m = LAYER.matcher(canonical);
            if (m.matches()) {
                if (Integer.parseInt(m.group(2)) == 0) {
                    layerSuffixes.add(canonical);
                }
            } else if (canonical.contains("embed")) {
                pre.add(canonical);
            } else {
                post.add(canonical);
            }
        }
        if (layerSuffixes.isEmpty()) {
            throw new CrucibleException(layout.dir + ": no decoder layers found (no tensor named like "
                    + "model.layers.0.*); only layered transformer checkpoints can be merged");
        }

        List<PlannedTensor> out = new ArrayList<>();
        for (String canonical : pre) {
            out.add(planTensor(layout, outDtype, canonical, layout.languageModel.get(canonical).name(),
                    slices.getFirst(), -1, 0.0));
        }
        int outLayer = 0;
        for (PlanSlice slice : slices) {
            for (int k = 0; k < slice.length; k++) {
                double t = slice.length > 1 ? (double) k / (slice.length - 1) : 1.0;
                for (String layer0 : layerSuffixes) {
                    String outCanonical = withLayer(layer0, outLayer);
                    String outName = TensorName.rename(outCanonical, layout.scheme);
                    out.add(planTensor(layout, outDtype, layer0, outName, slice, k, t));
                }
                outLayer++;
            }
        }
        for (String canonical : post) {
            out.add(planTensor(layout, outDtype, canonical, layout.languageModel.get(canonical).name(),
                    slices.getLast(), -1, 0.0));
        }
        boolean mergeVision = !recipe.usesSlices() && slices.getFirst().sources.stream()
                .allMatch(s -> indexes.get(s.model).visionLanguage);
        int visionLayers = layout.visionLayers();
        for (TensorInfo info : layout.otherSubmodules) {
            if (mergeVision && info.dtype().isFloatingPoint()) {
                String canonical = TensorName.parse(info.name()).canonical();
                Matcher m = LAYER.matcher(canonical);
                double t = !m.matches() ? 0.0
                        : visionLayers > 1 ? Integer.parseInt(m.group(2)) / (double) (visionLayers - 1) : 1.0;
                out.add(planTensor(layout, outDtype, canonical, info.name(), slices.getFirst(), -1, t));
            } else {
                out.add(copy(layout.model, info, info.dtype().isFloatingPoint() ? outDtype : info.dtype()));
            }
        }

        Map<String, Path> folders = new LinkedHashMap<>();
        indexes.forEach((k, v) -> folders.put(k, v.dir));
        return new MergePlan(recipe, out, folders, outputConfig(layout, outLayer, outDtype), outDtype,
                layout.dir, vocabulary != null ? vocabulary.sourceDir() : tokenizerSource(layout),
                NamedChatTemplates.resolve(recipe.chatTemplate(), indexes.values().stream().map(ModelIndex::dir).toList()),
                vocabulary);
    }

    // ---- opening and checking the models ----

    private void openAll() {
        Map<String, String> fields = modelFields();
        for (Map.Entry<String, String> e : fields.entrySet()) {
            String model = e.getKey();
            ModelReference ref;
            try {
                ref = ModelReference.parse(model);
            } catch (CrucibleException ex) {
                throw new CrucibleException(e.getValue() + ": " + ex.getMessage(), ex);
            }
            Path dir = recipe.resolve(model);
            if (!Files.isDirectory(dir)) {
                HubReference.refuseIfHubReference(e.getValue(), ref.model(), dir);
                throw new CrucibleException(e.getValue() + ": model folder not found: " + dir);
            }
            List<TensorInfo> infos;
            try {
                infos = opened.weights(dir, recipe.adapterOf(model)).infos();
            } catch (CrucibleException ex) {
                throw ref.hasLora() ? new CrucibleException(e.getValue() + ": " + ex.getMessage(), ex) : ex;
            }
            indexes.put(model, ModelIndex.of(model, dir, opened.folder(dir), infos));
        }
    }

    /** Each model string and the first recipe field that names it, for error messages. */
    private Map<String, String> modelFields() {
        Map<String, String> fields = new LinkedHashMap<>();
        if (recipe.baseModel() != null) {
            fields.put(recipe.baseModel(), "base_model");
        }
        if (recipe.taskVectorBase() != null) {
            fields.putIfAbsent(recipe.taskVectorBase(), "task_vector_base");
        }
        for (int i = 0; i < recipe.models().size(); i++) {
            fields.putIfAbsent(recipe.models().get(i).model(), "models[" + i + "].model");
        }
        for (int i = 0; i < recipe.slices().size(); i++) {
            List<SliceSource> sources = recipe.slices().get(i).sources();
            for (int j = 0; j < sources.size(); j++) {
                fields.putIfAbsent(sources.get(j).model(), "slices[" + i + "].sources[" + j + "].model");
            }
        }
        return fields;
    }

    /** The recipe as slices (a {@code models:} recipe is one slice over all layers), checked. */
    private List<PlanSlice> normalise() {
        boolean passthrough = method.name().equals(PASSTHROUGH);
        if (!recipe.usesSlices()) {
            if (passthrough && recipe.models().size() != 1) {
                throw new CrucibleException("models: passthrough takes exactly one model; use slices: to stack layers");
            }
            List<PlanSource> sources = new ArrayList<>();
            boolean baseListed = false;
            for (int i = 0; i < recipe.models().size(); i++) {
                ModelEntry entry = recipe.models().get(i);
                baseListed |= entry.model().equals(deltaBase);
                sources.add(new PlanSource(entry.model(), 0, entry.parameters()));
            }
            if (deltaBase != null && !baseListed && !passthrough && !baseIsOrdinarySource) {
                sources.add(new PlanSource(deltaBase, 0, Map.of()));
            }
            List<String> all = new ArrayList<>(sources.stream().map(PlanSource::model).toList());
            if (rebaseTarget != null) {
                all.add(rebaseTarget);
            }
            int layers = indexes.get(all.getFirst()).layers;
            for (String m : all) {
                if (indexes.get(m).layers != layers) {
                    throw new CrucibleException("models with different layer counts: " + all.getFirst() + " has "
                            + layers + ", " + m + " has " + indexes.get(m).layers);
                }
            }
            return List.of(new PlanSlice("models", sources, Map.of(), layers));
        }
        List<PlanSlice> out = new ArrayList<>();
        for (int i = 0; i < recipe.slices().size(); i++) {
            Slice slice = recipe.slices().get(i);
            List<PlanSource> sources = new ArrayList<>();
            boolean hasBase = false;
            for (int j = 0; j < slice.sources().size(); j++) {
                SliceSource src = slice.sources().get(j);
                int layers = indexes.get(src.model()).layers;
                if (src.end() > layers) {
                    throw new CrucibleException("slices[" + i + "].sources[" + j + "].layer_range: [" + src.start()
                            + ", " + src.end() + ") is out of bounds: " + src.model() + " has " + layers + " layers");
                }
                hasBase |= src.model().equals(deltaBase);
                sources.add(new PlanSource(src.model(), src.start(), src.parameters()));
            }
            if (method.requiresBase() && !hasBase) {
                throw new CrucibleException("slices[" + i + "].sources: base model " + deltaBase
                        + " must be one of the sources of every slice (" + method.name()
                        + " takes task vectors against it)");
            }
            if (rebaseTarget != null) {
                PlanSource base = sources.stream().filter(s -> s.model.equals(deltaBase)).findFirst().orElseThrow();
                int layers = indexes.get(rebaseTarget).layers;
                if (base.start + slice.length() > layers) {
                    throw new CrucibleException("base_model: " + rebaseTarget + " has " + layers
                            + " layers but slices[" + i + "] needs layers up to " + (base.start + slice.length()));
                }
            }
            out.add(new PlanSlice("slices[" + i + "]", sources, slice.parameters(), slice.length()));
        }
        return out;
    }

    /** The first VLM among the models (its naming and config make the output a working VLM), else the base. */
    private ModelIndex layoutModel(List<PlanSlice> slices) {
        for (ModelIndex idx : indexes.values()) {
            if (idx.visionLanguage) {
                return idx;
            }
        }
        if (recipe.baseModel() != null) {
            return indexes.get(recipe.baseModel());
        }
        return indexes.get(slices.getFirst().sources.getFirst().model);
    }

    private DType outputDtype(List<PlanSlice> slices) {
        if (recipe.outDtype() != null) {
            return recipe.outDtype();
        }
        if (recipe.dtype() != null) {
            return recipe.dtype();
        }
        ModelIndex first = indexes.get(recipe.baseModel() != null ? recipe.baseModel()
                : slices.getFirst().sources.getFirst().model);
        return first.languageModel.values().stream().map(TensorInfo::dtype).filter(DType::isFloatingPoint)
                .findFirst().orElse(DType.F32);
    }

    // ---- one output tensor ----

    private PlannedTensor planTensor(ModelIndex layout, DType outDtype, String canonical, String outName,
                                     PlanSlice slice, int layerOffset, double t) {
        TensorInfo shapeSource = null;
        SourceRef base = null;
        SourceRef rebase = null;
        List<SourceRef> refs = new ArrayList<>();
        List<Map<String, Object>> perModel = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<TensorInfo> infos = new ArrayList<>();
        Map<String, Long> tensorRows = new LinkedHashMap<>();
        for (PlanSource src : slice.sources) {
            String inCanonical = layerOffset < 0 ? canonical : withLayer(canonical, src.start + layerOffset);
            TensorInfo info = lookup(src.model, inCanonical, outName);
            infos.add(info);
            tensorRows.put(src.model, info.shape().length > 0 ? info.shape()[0] : 0L);
            SourceRef ref = new SourceRef(src.model, info.name());
            if (src.model.equals(deltaBase) && !baseIsOrdinarySource) {
                base = ref;
                shapeSource = info;
                if (rebaseTarget != null) {
                    TensorInfo target = lookup(rebaseTarget, inCanonical, outName);
                    if (!(vocabulary != null && TensorName.parse(canonical).isEmbedding())) {
                        checkShape(outName, deltaBase, info, rebaseTarget, target);
                    }
                    tensorRows.put(rebaseTarget, target.shape().length > 0 ? target.shape()[0] : 0L);
                    rebase = new SourceRef(rebaseTarget, target.name());
                }
            } else {
                refs.add(ref);
                names.add(src.model);
                // mergekit's plan_tensor reads per-model parameters for the input weight's name (a layer's
                // name in its own model), global ones for the output weight's name.
                String filterName = layerOffset < 0 ? outName : info.name();
                perModel.add(modelParameters(filterName, t, src.parameters, slice.parameters));
            }
        }
        if (shapeSource == null) {
            shapeSource = infos.getFirst();
        }
        boolean embedding = TensorName.parse(canonical).isEmbedding();
        for (int i = 0; i < infos.size(); i++) {
            TensorInfo info = infos.get(i);
            if (!Arrays.equals(info.shape(), shapeSource.shape()) && !(embedding && info.shape().length == 2
                    && info.shape()[1] == shapeSource.shape()[1])) {
                checkShape(outName, slice.sources.getFirst().model, infos.getFirst(),
                        slice.sources.get(i).model, info);
            }
        }
        if (!shapeSource.dtype().isFloatingPoint()) {
            SourceRef from = base != null ? base : refs.getFirst();
            return copy(from.model(), indexes.get(from.model()).info(from.tensorName()).with(outName,
                    shapeSource.dtype()), shapeSource.dtype());
        }
        if (refs.isEmpty()) {
            throw new CrucibleException(slice.field + ": only the base model is listed; add the models to merge");
        }
        MergeParameters params = new MergeParameters(globalParameters(outName, t, slice.parameters), perModel, names);
        validate(params, outName);
        long[] outShape = shapeSource.shape();
        EmbeddingPermutation embeddings = null;
        if (vocabulary != null && embedding && outShape.length == 2) {
            List<String> merged = new ArrayList<>();
            if (base != null) {
                merged.add(base.model());
            }
            refs.forEach(r -> {
                if (!merged.contains(r.model())) {
                    merged.add(r.model());
                }
            });
            String defaultsBase = merged.contains(recipe.baseModel()) ? recipe.baseModel()
                    : deltaBase != null && merged.contains(deltaBase) ? deltaBase : null;
            embeddings = new EmbeddingPermutation(outName, vocabulary, merged, defaultsBase,
                    recipe.tokenizerSettings().tokens(), tensorRows,
                    rebase != null ? List.of(rebase.model()) : List.of());
            outShape = new long[] {embeddings.rows(), outShape[1]};
        }
        TensorInfo output = new TensorInfo(outName, outDtype, outShape);
        return new PlannedTensor(output, refs, base, params, method.name(), rebase, embeddings);
    }

    private static PlannedTensor copy(String model, TensorInfo info, DType dtype) {
        MergeParameters none = new MergeParameters(Map.of(), List.of(Map.of()), List.of(model));
        return new PlannedTensor(info.with(info.name(), dtype), List.of(new SourceRef(model, info.name())), null,
                none, PASSTHROUGH, null);
    }

    private TensorInfo lookup(String model, String canonical, String outName) {
        ModelIndex index = indexes.get(model);
        TensorInfo info = index.languageModel.get(canonical);
        if (info == null) {
            info = index.visionByCanonical.get(canonical);
        }
        if (info == null && canonical.startsWith("lm_head.") && index.folder.tieWordEmbeddings()) {
            // A model with tied embeddings stores no output head: its token embedding is the head.
            info = index.languageModel.get("model.embed_tokens." + canonical.substring("lm_head.".length()));
        }
        if (info == null) {
            throw new CrucibleException(model + ": no tensor matching " + canonical + " (needed for " + outName
                    + "); the models must share one architecture");
        }
        return info;
    }

    private static void checkShape(String outName, String modelA, TensorInfo a, String modelB, TensorInfo b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new CrucibleException("models with different shapes for " + outName + ": " + modelA + " has "
                    + Arrays.toString(a.shape()) + ", " + modelB + " has " + Arrays.toString(b.shape()));
        }
    }

    private void validate(MergeParameters params, String outName) {
        if (validated.add(params)) {
            try {
                method.validate(params);
            } catch (CrucibleException e) {
                throw new CrucibleException(e.getMessage() + " (at tensor " + outName + ")", e);
            }
        }
    }

    // ---- parameters: per-source > slice > top level ----

    private Map<String, Object> globalParameters(String tensor, double t, Map<String, ParameterValue> slice) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String name : method.globalParameters()) {
            resolve(name, tensor, t, slice, recipe.parameters()).ifPresent(v -> out.put(name, v));
        }
        return out;
    }

    private Map<String, Object> modelParameters(String tensor, double t, Map<String, ParameterValue> source,
                                                Map<String, ParameterValue> slice) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String name : method.modelParameters()) {
            resolve(name, tensor, t, source, slice, recipe.parameters()).ifPresent(v -> out.put(name, v));
        }
        return out;
    }

    @SafeVarargs
    private static Optional<Object> resolve(String name, String tensor, double t,
                                            Map<String, ParameterValue>... levels) {
        for (Map<String, ParameterValue> level : levels) {
            ParameterValue value = level.get(name);
            if (value != null) {
                Optional<Object> v = value.evaluate(tensor, t);
                if (v.isPresent()) {
                    return v;
                }
            }
        }
        return Optional.empty();
    }

    // ---- output config and side files ----

    /** mergekit's build_tokenizer, when the recipe sets tokenizer_source or a tokenizer: block. */
    private OutputVocabulary outputVocabulary() {
        TokenizerSettings settings = recipe.tokenizerSettings();
        if (settings == null) {
            return null;
        }
        String field = recipe.tokenizer() != null ? "tokenizer.source" : "tokenizer_source";
        List<OutputVocabulary.Model> models = new ArrayList<>();
        for (ModelIndex idx : indexes.values()) {
            models.add(new OutputVocabulary.Model(idx.model, idx.dir, vocabSize(idx)));
        }
        String baseName = recipe.baseModel() != null ? recipe.baseModel() : recipe.referencedModels().getFirst();
        OutputVocabulary.Model base = models.stream().filter(m -> m.name().equals(baseName)).findFirst().orElseThrow();
        Path sourceDir = null;
        String source = settings.source();
        if (!source.equals(TokenizerSettings.UNION) && !source.equals(TokenizerSettings.BASE)) {
            ModelIndex known = indexes.get(source);
            sourceDir = known != null ? known.dir : recipe.resolve(source);
            if (!Files.isDirectory(sourceDir)) {
                HubReference.refuseIfHubReference(field, source, sourceDir);
                throw new CrucibleException(field + ": folder not found: " + sourceDir);
            }
        }
        for (String token : settings.tokens().keySet()) {
            String where = "tokenizer.tokens." + token + ".source";
            switch (settings.tokens().get(token).source()) {
                case EmbeddingSource.FromModel f -> requireReferenced(where, f.model());
                case EmbeddingSource.ModelToken m -> requireReferenced(where + ".model", m.model());
                case EmbeddingSource.Zero z -> {
                }
            }
        }
        return OutputVocabulary.build(settings, base, models, sourceDir, field);
    }

    private void requireReferenced(String field, String model) {
        if (!indexes.containsKey(model)) {
            throw new CrucibleException(field + ": '" + model + "' is not one of the recipe's models ("
                    + String.join(", ", indexes.keySet()) + "); name it as the recipe does");
        }
    }

    /** The model's embedding rows as its config declares them, else its embedding tensor's rows. */
    private static int vocabSize(ModelIndex idx) {
        int fromConfig = OutputVocabulary.configVocabSize(idx.folder.config());
        if (fromConfig > 0) {
            return fromConfig;
        }
        TensorInfo embed = idx.languageModel.get("model.embed_tokens.weight");
        return embed != null && embed.shape().length == 2 ? Math.toIntExact(embed.shape()[0]) : Integer.MAX_VALUE;
    }

    private JsonNode outputConfig(ModelIndex layout, int layers, DType outDtype) {
        ObjectNode config = layout.folder.config().deepCopy();
        String torchDtype = switch (outDtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            case F64 -> "float64";
            default -> outDtype.safetensorsName().toLowerCase(java.util.Locale.ROOT);
        };
        JsonNode text = config.get("text_config");
        if (text instanceof ObjectNode textConfig) {
            textConfig.put("num_hidden_layers", layers);
            if (textConfig.has("torch_dtype")) {
                textConfig.put("torch_dtype", torchDtype);
            }
        } else {
            config.put("num_hidden_layers", layers);
        }
        if (vocabulary != null) {
            // mergekit's _update_config_vocab: the vocabulary size, padded to pad_to_multiple_of.
            // A vision-language model's vocabulary is its language model's (text_config.vocab_size).
            (text instanceof ObjectNode textConfig ? textConfig : config).put("vocab_size", vocabulary.rows());
        }
        config.put("torch_dtype", torchDtype);
        return config;
    }

    /** Without a tokenizer setting, the tokenizer files come from the VLM, else the base, else the layout model. */
    private Path tokenizerSource(ModelIndex layout) {
        if (layout.visionLanguage) {
            return layout.dir;
        }
        return recipe.baseModel() != null ? indexes.get(recipe.baseModel()).dir : layout.dir;
    }

    private static String withLayer(String canonical, int layer) {
        Matcher m = LAYER.matcher(canonical);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a layer tensor: " + canonical);
        }
        return m.group(1) + layer + m.group(3);
    }

    private record PlanSource(String model, int start, Map<String, ParameterValue> parameters) {
    }

    private record PlanSlice(String field, List<PlanSource> sources, Map<String, ParameterValue> parameters,
                             int length) {
    }

    /** One model's tensors: the language model by canonical name, the other sub-modules as they are. */
    private record ModelIndex(String model, Path dir, ModelFolder folder, Map<String, TensorInfo> languageModel,
                              List<TensorInfo> otherSubmodules, Map<String, TensorInfo> visionByCanonical,
                              Map<String, TensorInfo> byName, int layers,
                              boolean visionLanguage, NamingScheme scheme) {

        static ModelIndex of(String model, Path dir, ModelFolder folder, List<TensorInfo> infos) {
            Map<String, TensorInfo> lm = new LinkedHashMap<>();
            List<TensorInfo> other = new ArrayList<>();
            Map<String, TensorInfo> vision = new LinkedHashMap<>();
            Map<String, TensorInfo> byName = new LinkedHashMap<>();
            NamingScheme scheme = null;
            for (TensorInfo info : infos) {
                byName.put(info.name(), info);
                TensorName name = TensorName.parse(info.name());
                switch (name.submodule()) {
                    case VISION_TOWER, PROJECTOR -> {
                        other.add(info);
                        vision.put(name.canonical(), info);
                    }
                    default -> {
                        lm.put(name.canonical(), info);
                        if (scheme == null) {
                            scheme = name.scheme();
                        }
                    }
                }
            }
            return new ModelIndex(model, dir, folder, lm, other, vision, byName, folder.numHiddenLayers(),
                    folder.isVisionLanguage(), scheme);
        }

        TensorInfo info(String name) {
            return byName.get(name);
        }

        /** How many layers the vision tower has (mergekit infers it as the highest layer index + 1). */
        int visionLayers() {
            int layers = 0;
            for (TensorInfo info : otherSubmodules) {
                Matcher m = LAYER.matcher(TensorName.parse(info.name()).canonical());
                if (m.matches()) {
                    layers = Math.max(layers, Integer.parseInt(m.group(2)) + 1);
                }
            }
            return layers;
        }
    }
}
