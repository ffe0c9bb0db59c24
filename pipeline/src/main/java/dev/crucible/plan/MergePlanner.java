package dev.crucible.plan;

import dev.crucible.checkpoint.TensorName;
import dev.crucible.error.CrucibleException;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeMethods;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.methods.PassthroughMerge;
import dev.crucible.recipe.NamedChatTemplates;
import dev.crucible.recipe.ModelReference;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.SliceSource;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import dev.crucible.tokenizer.EmbeddingPermutation;
import dev.crucible.tokenizer.OutputVocabulary;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

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

    private static final String PASSTHROUGH = PassthroughMerge.DEFINITION.name();

    private final Recipe recipe;
    private final OpenedModels opened;
    private final MergeMethod method;
    private final Map<String, ModelIndex> indexes = new LinkedHashMap<>();
    private final ParameterResolver parameters;
    private final BaseRoles roles;
    /** The output vocabulary when the recipe sets a tokenizer, else null. */
    private OutputVocabulary vocabulary;

    private MergePlanner(Recipe recipe, OpenedModels opened) {
        this.recipe = recipe;
        this.opened = opened;
        this.method = MergeMethods.byName(recipe.mergeMethod()).orElseThrow(() ->
                new CrucibleException("merge_method: unknown method '" + recipe.mergeMethod() + "'"));
        this.roles = BaseRoles.of(recipe, method);
        this.parameters = new ParameterResolver(method, recipe.parameters());
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
        List<PlanSlice> slices = PlanSlice.all(recipe, method, indexes, roles);
        ModelIndex layout = layoutModel(slices);
        vocabulary = PlannedVocabulary.of(recipe, indexes);
        DType outDtype = outputDtype(slices);

        List<String> pre = new ArrayList<>();
        List<String> layerSuffixes = new ArrayList<>();
        List<String> post = new ArrayList<>();
        for (String canonical : layout.languageModel().keySet()) {
            Matcher m = LayerNames.LAYER.matcher(canonical);
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
            throw new CrucibleException(layout.dir() + ": no decoder layers found (no tensor named like "
                    + "model.layers.0.*); only layered transformer checkpoints can be merged");
        }

        List<PlannedTensor> out = new ArrayList<>();
        for (String canonical : pre) {
            out.add(planTensor(layout, outDtype, canonical, layout.languageModel().get(canonical).name(),
                    slices.getFirst(), -1, 0.0));
        }
        int outLayer = 0;
        for (PlanSlice slice : slices) {
            for (int k = 0; k < slice.length(); k++) {
                double t = slice.length() > 1 ? (double) k / (slice.length() - 1) : 1.0;
                for (String layer0 : layerSuffixes) {
                    String outCanonical = LayerNames.withLayer(layer0, outLayer);
                    String outName = TensorName.rename(outCanonical, layout.scheme());
                    out.add(planTensor(layout, outDtype, layer0, outName, slice, k, t));
                }
                outLayer++;
            }
        }
        for (String canonical : post) {
            out.add(planTensor(layout, outDtype, canonical, layout.languageModel().get(canonical).name(),
                    slices.getLast(), -1, 0.0));
        }
        boolean mergeVision = !recipe.usesSlices() && slices.getFirst().sources().stream()
                .allMatch(s -> indexes.get(s.model()).visionLanguage());
        int visionLayers = layout.visionLayers();
        for (TensorInfo info : layout.otherSubmodules()) {
            if (mergeVision && info.dtype().isFloatingPoint()) {
                String canonical = TensorName.parse(info.name()).canonical();
                Matcher m = LayerNames.LAYER.matcher(canonical);
                double t = !m.matches() ? 0.0
                        : visionLayers > 1 ? Integer.parseInt(m.group(2)) / (double) (visionLayers - 1) : 1.0;
                out.add(planTensor(layout, outDtype, canonical, info.name(), slices.getFirst(), -1, t));
            } else {
                out.add(copy(layout.model(), info, info.dtype().isFloatingPoint() ? outDtype : info.dtype()));
            }
        }

        Map<String, Path> folders = new LinkedHashMap<>();
        indexes.forEach((k, v) -> folders.put(k, v.dir()));
        return new MergePlan(recipe, out, folders, OutputConfig.of(layout, outLayer, outDtype, vocabulary), outDtype,
                layout.dir(), vocabulary != null ? vocabulary.sourceDir() : tokenizerSource(layout),
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

    /** The first VLM among the models (its naming and config make the output a working VLM), else the base. */
    private ModelIndex layoutModel(List<PlanSlice> slices) {
        for (ModelIndex idx : indexes.values()) {
            if (idx.visionLanguage()) {
                return idx;
            }
        }
        if (recipe.baseModel() != null) {
            return indexes.get(recipe.baseModel());
        }
        return indexes.get(slices.getFirst().sources().getFirst().model());
    }

    private DType outputDtype(List<PlanSlice> slices) {
        if (recipe.outDtype() != null) {
            return recipe.outDtype();
        }
        if (recipe.dtype() != null) {
            return recipe.dtype();
        }
        ModelIndex first = indexes.get(recipe.baseModel() != null ? recipe.baseModel()
                : slices.getFirst().sources().getFirst().model());
        return first.languageModel().values().stream().map(TensorInfo::dtype).filter(DType::isFloatingPoint)
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
        for (PlanSlice.Source src : slice.sources()) {
            String inCanonical = layerOffset < 0 ? canonical : LayerNames.withLayer(canonical, src.start() + layerOffset);
            TensorInfo info = lookup(src.model(), inCanonical, outName);
            infos.add(info);
            tensorRows.put(src.model(), info.shape().length > 0 ? info.shape()[0] : 0L);
            SourceRef ref = new SourceRef(src.model(), info.name());
            if (src.model().equals(roles.deltaBase()) && !roles.baseIsOrdinarySource()) {
                base = ref;
                shapeSource = info;
                if (roles.rebaseTarget() != null) {
                    TensorInfo target = lookup(roles.rebaseTarget(), inCanonical, outName);
                    if (!(vocabulary != null && TensorName.parse(canonical).isEmbedding())) {
                        checkShape(outName, roles.deltaBase(), info, roles.rebaseTarget(), target);
                    }
                    tensorRows.put(roles.rebaseTarget(), target.shape().length > 0 ? target.shape()[0] : 0L);
                    rebase = new SourceRef(roles.rebaseTarget(), target.name());
                }
            } else {
                refs.add(ref);
                names.add(src.model());
                // mergekit's plan_tensor reads per-model parameters for the input weight's name (a layer's
                // name in its own model), global ones for the output weight's name.
                String filterName = layerOffset < 0 ? outName : info.name();
                perModel.add(parameters.perModel(filterName, t, src.parameters(), slice.parameters()));
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
                checkShape(outName, slice.sources().getFirst().model(), infos.getFirst(),
                        slice.sources().get(i).model(), info);
            }
        }
        if (!shapeSource.dtype().isFloatingPoint()) {
            SourceRef from = base != null ? base : refs.getFirst();
            return copy(from.model(), indexes.get(from.model()).info(from.tensorName()).with(outName,
                    shapeSource.dtype()), shapeSource.dtype());
        }
        if (refs.isEmpty()) {
            throw new CrucibleException(slice.field() + ": only the base model is listed; add the models to merge");
        }
        MergeParameters params = new MergeParameters(parameters.global(outName, t, slice.parameters()), perModel, names);
        parameters.validate(params, outName);
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
                    : roles.deltaBase() != null && merged.contains(roles.deltaBase()) ? roles.deltaBase() : null;
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
        TensorInfo info = index.languageModel().get(canonical);
        if (info == null) {
            info = index.visionByCanonical().get(canonical);
        }
        if (info == null && canonical.startsWith("lm_head.") && index.folder().tieWordEmbeddings()) {
            // A model with tied embeddings stores no output head: its token embedding is the head.
            info = index.languageModel().get("model.embed_tokens." + canonical.substring("lm_head.".length()));
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

    // ---- output config and side files ----

    /** Without a tokenizer setting, the tokenizer files come from the VLM, else the base, else the layout model. */
    private Path tokenizerSource(ModelIndex layout) {
        if (layout.visionLanguage()) {
            return layout.dir();
        }
        return recipe.baseModel() != null ? indexes.get(recipe.baseModel()).dir() : layout.dir();
    }


}
