package dev.crucible.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.error.CrucibleException;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.FloatCodec;
import dev.crucible.tensor.Tensor;
import dev.crucible.tensor.TensorInfo;
import org.ejml.data.DMatrixRMaj;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Extracts a LoRA adapter from a fine-tune and its base as {@code mergekit/scripts/extract_lora.py} does:
 * per module, the task vector {@code FT − BASE} is decomposed by a truncated SVD into
 * {@code B = U·√S}, {@code A = √S·Vᵀ} (or {@code B = U}, {@code A = S·Vᵀ} without {@code distribute_scale}),
 * written under PEFT's key names in the task vector's dtype; embeddings, the output head and modules that are
 * not linear are saved whole as {@code modules_to_save} (unless {@code --embed-lora} / {@code
 * --skip-undecomposable}); biases of decomposed modules are saved as {@code lora_B.bias} deltas. The config
 * makes every module's scale 1 ({@code lora_alpha} = {@code r}, and the same in the rank and alpha patterns).
 *
 * <p>Modules are read, decomposed and written one at a time (a few at once with more threads), in the fine-tune's
 * tensor order; the output is the same for any thread count.
 */
public final class LoraExtractor {

    /** What was written. */
    public record Result(int decomposed, int savedWhole, int rank, long bytes) {
    }

    /** One module of the fine-tune and what happens to it. */
    private record Module(String name, TensorInfo weight, TensorInfo bias, Kind kind) {
    }

    private enum Kind { DECOMPOSE, DECOMPOSE_EMBEDDING, SAVE }

    /** A module's finished tensors, ready to append. */
    private record Output(Module module, List<Tensor> tensors, int rank) {
    }

    private static final int DECODE_BLOCK = 1 << 16;

    private final Checkpoint model;
    private final Checkpoint base;
    private final ExtractionOptions options;
    private final Consumer<String> warnings;

    private LoraExtractor(Checkpoint model, Checkpoint base, ExtractionOptions options, Consumer<String> warnings) {
        this.model = model;
        this.base = base;
        this.options = options;
        this.warnings = warnings;
    }

    /**
     * Writes {@code adapter_model.safetensors} and {@code adapter_config.json} into {@code outDir} (which exists
     * and is empty: the caller's staging folder). {@code progress} hears (done, total, module) after each module.
     */
    public static Result extract(ModelFolder model, ModelFolder base, String baseNameOrPath, Path outDir,
                                 ExtractionOptions options, Consumer<String> warnings, Progress progress) {
        LoraExtractor x = new LoraExtractor(model.weights(), base.weights(), options, warnings);
        boolean embedLora = options.embedLora();
        long ftVocab = vocab(model);
        long baseVocab = vocab(base);
        if (embedLora && ftVocab != baseVocab) {
            warnings.accept("vocabulary size mismatch: fine-tuned model has " + ftVocab + " tokens, base model has "
                    + baseVocab + " tokens; enforcing embeddings in modules_to_save, embed_lora=False");
            embedLora = false;
        }
        Set<String> modulesToSave = new LinkedHashSet<>(options.modulesToSave());
        List<Module> modules = x.plan(embedLora, modulesToSave);
        if (modules.isEmpty()) {
            throw new CrucibleException("nothing to extract: every module of " + model.dir()
                    + " is excluded (check --include-regex / --exclude-regex)");
        }
        Map<String, Integer> ranks = new LinkedHashMap<>();
        int saved = 0;
        try (AppendingSafetensorsFile out = new AppendingSafetensorsFile(outDir.resolve(LoraAdapter.WEIGHTS_FILE))) {
            ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, options.threads()), r -> {
                Thread t = new Thread(r, "crucible-extract-lora");
                t.setDaemon(true);
                return t;
            });
            try {
                // A window of modules in flight, written in order: memory stays at a few modules.
                Deque<CompletableFuture<Output>> window = new ArrayDeque<>();
                int next = 0;
                int done = 0;
                while (done < modules.size()) {
                    while (next < modules.size() && window.size() < Math.max(1, options.threads()) + 1) {
                        Module m = modules.get(next++);
                        window.add(CompletableFuture.supplyAsync(() -> x.process(m), pool));
                    }
                    Output o = join(window.poll());
                    for (Tensor t : o.tensors()) {
                        out.append(t.info(), t.data());
                        release(t);
                    }
                    if (o.module().kind() == Kind.SAVE) {
                        saved++;
                    } else {
                        ranks.put(o.module().name(), o.rank());
                    }
                    progress.onModule(++done, modules.size(), o.module().name());
                }
            } finally {
                pool.shutdownNow();
            }
            out.finish();
            int rank = ranks.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            writeConfig(outDir, baseNameOrPath, rank, modulesToSave, ranks);
            return new Result(ranks.size(), saved, rank, out.infos().stream().mapToLong(TensorInfo::byteSize).sum());
        }
    }

    /** Hears of each finished module. */
    @FunctionalInterface
    public interface Progress {
        void onModule(int done, int total, String module);

        Progress NONE = (d, t, m) -> { };
    }

    private static Output join(CompletableFuture<Output> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrucibleException("extraction interrupted");
        }
    }

    private static long vocab(ModelFolder folder) {
        for (TensorInfo info : folder.weights().infos()) {
            if (ModuleNames.isInputEmbedding(ModuleNames.moduleOf(info.name())) && info.shape().length == 2) {
                return info.shape()[0];
            }
        }
        return folder.textConfig().path("vocab_size").asLong(-1);
    }

    // ---- which module is what (mergekit walks named_modules(); we walk the fine-tune's tensors) ----

    private List<Module> plan(boolean embedLora, Set<String> modulesToSave) {
        Map<String, TensorInfo> weights = new LinkedHashMap<>();
        Map<String, TensorInfo> biases = new LinkedHashMap<>();
        for (TensorInfo info : model.infos()) {
            if (info.name().endsWith(".weight")) {
                weights.put(ModuleNames.moduleOf(info.name()), info);
            } else if (info.name().endsWith(".bias")) {
                biases.put(info.name().substring(0, info.name().length() - ".bias".length()), info);
            }
        }
        List<Module> out = new ArrayList<>();
        Set<String> warned = new TreeSet<>();
        List<Map.Entry<String, TensorInfo>> ordered = new ArrayList<>(weights.entrySet());
        ordered.sort(java.util.Comparator.comparingLong(e -> ModuleNames.definitionOrder(e.getKey())));
        for (Map.Entry<String, TensorInfo> e : ordered) {
            String name = e.getKey();
            TensorInfo weight = e.getValue();
            TensorInfo bias = biases.get(name);
            String key = ModuleNames.lastComponent(name);
            boolean embedding = ModuleNames.isInputEmbedding(name) || ModuleNames.isOtherEmbedding(name, weight);
            if (!embedLora && (embedding || ModuleNames.isOutputEmbedding(name)) && !anyFinds(options.exclude(), name)) {
                // As mergekit: without --embed-lora, embeddings and the head are saved at full rank.
                if (modulesToSave.add(key)) {
                    warnings.accept("adding " + key + " to modules_to_save");
                }
            }
            if (modulesToSave.contains(name) || modulesToSave.contains(key)) {
                out.add(new Module(name, weight, bias, Kind.SAVE));
            } else if (shouldExtract(name)) {
                if (weight.shape().length == 2 && weight.dtype().isFloatingPoint()) {
                    requireBaseMatch(weight);
                    if (bias != null) {
                        requireBaseMatch(bias);
                    }
                    out.add(new Module(name, weight, bias, embedding ? Kind.DECOMPOSE_EMBEDDING : Kind.DECOMPOSE));
                } else {
                    if (!options.skipUndecomposable()) {
                        modulesToSave.add(key);
                        out.add(new Module(name, weight, bias, Kind.SAVE));
                    }
                    if (warned.add(key)) {
                        warnings.accept(key + " is not a linear or embedding module (weight "
                                + Arrays.toString(weight.shape()) + ") - "
                                + (options.skipUndecomposable() ? "skipping" : "saving at full rank"));
                    }
                }
            }
        }
        return out;
    }

    private boolean shouldExtract(String name) {
        if (!options.include().isEmpty() && !anyFinds(options.include(), name)) {
            return false;
        }
        return !anyFinds(options.exclude(), name);
    }

    private static boolean anyFinds(List<java.util.regex.Pattern> patterns, String name) {
        return patterns.stream().anyMatch(p -> p.matcher(name).find());
    }

    private void requireBaseMatch(TensorInfo ft) {
        if (!base.contains(ft.name())) {
            throw new CrucibleException(base.dir() + ": no tensor " + ft.name() + " (the fine-tune " + model.dir()
                    + " has it); --base-model must be the model --model was fine-tuned from");
        }
        TensorInfo b = base.info(ft.name());
        if (!Arrays.equals(b.shape(), ft.shape())) {
            throw new CrucibleException(ft.name() + ": shape " + Arrays.toString(ft.shape()) + " in " + model.dir()
                    + " but " + Arrays.toString(b.shape()) + " in " + base.dir()
                    + "; save it whole with --save-module " + ModuleNames.lastComponent(ModuleNames.moduleOf(ft.name())));
        }
    }

    // ---- one module ----

    private Output process(Module m) {
        List<Tensor> out = new ArrayList<>();
        if (m.kind() == Kind.SAVE) {
            out.add(renamed(model.tensor(m.weight().name()), LoraAdapter.PREFIX + m.weight().name()));
            if (m.bias() != null) {
                out.add(renamed(model.tensor(m.bias().name()), LoraAdapter.PREFIX + m.bias().name()));
            }
            return new Output(m, out, 0);
        }
        Tensor ft = model.tensor(m.weight().name());
        Tensor bs = base.tensor(m.weight().name());
        DType dtype = ft.info().dtype() == bs.info().dtype() ? ft.info().dtype() : DType.F32;
        long[] shape = ft.info().shape();
        boolean embedding = m.kind() == Kind.DECOMPOSE_EMBEDDING;
        // The task vector, as a rows x cols matrix of doubles; embeddings are decomposed transposed.
        int rows = Math.toIntExact(embedding ? shape[1] : shape[0]);
        int cols = Math.toIntExact(embedding ? shape[0] : shape[1]);
        DMatrixRMaj delta = new DMatrixRMaj(rows, cols);
        int stored = Math.toIntExact(shape[1]);
        long count = ft.info().elementCount();
        // Decoded a block at a time: the module's only full-size array is the task vector itself.
        float[] f = new float[(int) Math.min(count, DECODE_BLOCK)];
        float[] b = new float[f.length];
        for (long from = 0; from < count; from += f.length) {
            int n = (int) Math.min(f.length, count - from);
            FloatCodec.decodeInto(ft.data(), ft.info().dtype(), f, 0, from, n);
            FloatCodec.decodeInto(bs.data(), bs.info().dtype(), b, 0, from, n);
            for (int k = 0; k < n; k++) {
                int i = (int) (from + k);
                double d = (double) f[k] - b[k];
                if (embedding) {
                    delta.data[(i % stored) * cols + i / stored] = d;
                } else {
                    delta.data[i] = d;
                }
            }
        }
        TruncatedSvd svd = TruncatedSvd.of(delta, options.maxRank(), m.name().hashCode());
        int rank = svd.s().length;
        if (options.svEpsilon() > 0) {
            int above = 0;
            while (above < rank && svd.s()[above] > options.svEpsilon()) {
                above++;
            }
            // PEFT refuses r = 0; a module with nothing above epsilon keeps its largest component.
            rank = Math.max(1, above);
        }
        float[] a = new float[rank * cols];
        float[] bb = new float[rows * rank];
        for (int k = 0; k < rank; k++) {
            double s = svd.s()[k];
            double scaleA = options.distributeScale() ? Math.sqrt(s) : s;
            double scaleB = options.distributeScale() ? Math.sqrt(s) : 1;
            for (int j = 0; j < cols; j++) {
                a[k * cols + j] = (float) (scaleA * svd.v().get(j, k));
            }
            for (int i = 0; i < rows; i++) {
                bb[i * rank + k] = (float) (svd.u().get(i, k) * scaleB);
            }
        }
        String prefix = LoraAdapter.PREFIX + m.name() + (embedding ? ".lora_embedding_" : ".lora_");
        String suffix = embedding ? "" : ".weight";
        out.add(Tensor.ofFloats(prefix + "A" + suffix, dtype, new long[] {rank, cols}, a));
        out.add(Tensor.ofFloats(prefix + "B" + suffix, dtype, new long[] {rows, rank}, bb));
        if (m.bias() != null) {
            Tensor fb = model.tensor(m.bias().name());
            Tensor bb0 = base.tensor(m.bias().name());
            float[] fv = fb.toFloats();
            float[] bv = bb0.toFloats();
            for (int i = 0; i < fv.length; i++) {
                fv[i] -= bv[i];
            }
            DType bdt = fb.info().dtype() == bb0.info().dtype() ? fb.info().dtype() : DType.F32;
            out.add(Tensor.ofFloats(LoraAdapter.PREFIX + m.name() + ".lora_B.bias", bdt, fb.info().shape(), fv));
        }
        release(ft);
        release(bs);
        return new Output(m, out, rank);
    }

    private static Tensor renamed(Tensor t, String name) {
        return new Tensor(t.info().with(name, t.info().dtype()), t.data());
    }

    private static void release(Tensor t) {
        MemorySegment data = t.data();
        if (data.isMapped()) {
            data.unload();
        }
    }

    /** {@code adapter_config.json} as mergekit's {@code make_config_dict} writes it. */
    private static void writeConfig(Path outDir, String baseNameOrPath, int rank, Set<String> modulesToSave,
                                    Map<String, Integer> ranks) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode();
        c.put("base_model_name_or_path", baseNameOrPath);
        c.put("peft_type", "LORA");
        c.put("use_rslora", false);
        ArrayNode targets = c.putArray("target_modules");
        new TreeSet<>(ranks.keySet().stream().map(ModuleNames::lastComponent).toList()).forEach(targets::add);
        ArrayNode save = c.putArray("modules_to_save");
        modulesToSave.forEach(save::add);
        c.put("task_type", "CAUSAL_LM");
        c.put("r", rank);
        c.put("lora_alpha", rank);
        Map<String, Integer> different = new TreeMap<>();
        ranks.forEach((k, v) -> {
            if (v != rank) {
                different.put(k, v);
            }
        });
        ObjectNode rp = c.putObject("rank_pattern");
        ObjectNode ap = c.putObject("alpha_pattern");
        different.forEach((k, v) -> {
            rp.put(k, v);
            ap.put(k, v);
        });
        c.put("lora_dropout", 0.0);
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        Path file = outDir.resolve(LoraConfig.FILE);
        try {
            json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), c);
        } catch (IOException e) {
            throw new CrucibleException(file + ": cannot write (" + e.getMessage() + ")", e);
        }
    }
}
