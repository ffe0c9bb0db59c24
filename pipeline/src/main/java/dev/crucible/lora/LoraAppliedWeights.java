package dev.crucible.lora;

import dev.crucible.error.CrucibleException;
import dev.crucible.safetensors.TensorStore;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.Tensor;
import dev.crucible.tensor.TensorInfo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model with a LoRA adapter applied as it is read, one tensor at a time (what mergekit gets from PEFT's
 * {@code merge_and_unload} before merging, without writing the merged model anywhere): an adapted weight is
 * {@code W + scale·B·A} (its transpose for embeddings and {@code fan_in_fan_out} layers), computed in float32
 * and served as a float32 tensor; a {@code modules_to_save} tensor replaces the base's; every other tensor is
 * the base's own mapped bytes.
 */
public final class LoraAppliedWeights implements TensorStore {

    private final TensorStore base;
    private final LoraAdapter adapter;
    private final List<TensorInfo> infos;
    private final Map<String, LoraModule> byWeight = new LinkedHashMap<>();
    private final Map<String, LoraModule> byBias = new LinkedHashMap<>();

    /** Checks that the adapter fits {@code base} (names and shapes) and serves the adapted model. */
    public LoraAppliedWeights(TensorStore base, String baseLabel, LoraAdapter adapter) {
        this.base = base;
        this.adapter = adapter;
        Map<String, TensorInfo> baseInfos = new LinkedHashMap<>();
        for (TensorInfo info : base.infos()) {
            baseInfos.put(info.name(), info);
        }
        for (LoraModule m : adapter.modules().values()) {
            TensorInfo weight = baseInfos.get(m.weightName());
            if (weight == null) {
                throw new CrucibleException(adapter.file() + ": adapts module " + m.module() + ", but " + baseLabel
                        + " has no tensor " + m.weightName() + "; was the adapter trained on another architecture?");
            }
            checkShapes(m, weight);
            byWeight.put(m.weightName(), m);
            if (m.bias() != null) {
                TensorInfo bias = baseInfos.get(m.biasName());
                if (bias == null) {
                    throw new CrucibleException(adapter.file() + ": " + m.bias() + " trains a bias, but " + baseLabel
                            + " has no tensor " + m.biasName());
                }
                requireShape(m.bias(), adapter.info(m.bias()).shape(), bias.shape());
                byBias.put(m.biasName(), m);
            }
        }
        List<TensorInfo> out = new ArrayList<>();
        for (TensorInfo info : baseInfos.values()) {
            String key = adapter.replacements().get(info.name());
            out.add(key == null ? info : adapter.info(key).with(info.name(), adapter.info(key).dtype()));
        }
        for (Map.Entry<String, String> e : adapter.replacements().entrySet()) {
            if (!baseInfos.containsKey(e.getKey())) {
                throw new CrucibleException(adapter.file() + ": " + e.getValue() + " replaces " + e.getKey()
                        + ", which " + baseLabel + " does not have; was the adapter made for another model?");
            }
            if (byWeight.containsKey(e.getKey())) {
                throw new CrucibleException(adapter.file() + ": " + e.getKey() + " is both adapted and saved whole");
            }
        }
        this.infos = List.copyOf(out);
    }

    private void checkShapes(LoraModule m, TensorInfo weight) {
        long[] w = weight.shape();
        if (w.length != 2) {
            throw new CrucibleException(adapter.file() + ": adapts " + m.module() + ", whose weight has shape "
                    + Arrays.toString(w) + "; only linear and embedding weights (2-D) can take a LoRA");
        }
        long[] a = adapter.info(m.a()).shape();
        long[] b = adapter.info(m.b()).shape();
        int rank = adapter.config().rankOf(m.module());
        // (rows, cols) of B·A before the transpose embeddings and fan_in_fan_out layers take.
        boolean transposed = m.embedding() || adapter.config().fanInFanOut();
        long out = transposed ? w[1] : w[0];
        long in = transposed ? w[0] : w[1];
        requireShape(m.a(), a, new long[] {rank, in});
        requireShape(m.b(), b, new long[] {out, rank});
    }

    private void requireShape(String key, long[] actual, long[] expected) {
        if (!Arrays.equals(actual, expected)) {
            throw new CrucibleException(adapter.file() + ": " + key + " has shape " + Arrays.toString(actual)
                    + " but the base model and adapter_config.json (r, rank_pattern) need " + Arrays.toString(expected));
        }
    }

    @Override
    public List<TensorInfo> infos() {
        return infos;
    }

    @Override
    public Tensor tensor(String name) {
        String replacement = adapter.replacements().get(name);
        if (replacement != null) {
            Tensor t = adapter.tensor(replacement);
            return new Tensor(t.info().with(name, t.info().dtype()), t.data());
        }
        LoraModule weight = byWeight.get(name);
        if (weight != null) {
            return applied(name, weight);
        }
        LoraModule bias = byBias.get(name);
        if (bias != null) {
            Tensor b = base.tensor(name);
            float[] values = b.toFloats();
            float[] delta = adapter.tensor(bias.bias()).toFloats();
            float scale = (float) adapter.config().scaleOf(bias.module());
            for (int i = 0; i < values.length; i++) {
                values[i] += delta[i] * scale;
            }
            return Tensor.ofFloats(name, DType.F32, b.info().shape(), values);
        }
        return base.tensor(name);
    }

    /**
     * {@code W + scale·B·A} as PEFT's {@code Linear.get_delta_weight} and {@code merge} compute it (float32
     * product, transposed for embeddings and fan_in_fan_out), accumulated row by row of the output.
     */
    private Tensor applied(String name, LoraModule m) {
        Tensor w = base.tensor(name);
        long[] shape = w.info().shape();
        int rows = Math.toIntExact(shape[0]);
        int cols = Math.toIntExact(shape[1]);
        float[] values = w.toFloats();
        float[] a = adapter.tensor(m.a()).toFloats();
        float[] b = adapter.tensor(m.b()).toFloats();
        int rank = adapter.config().rankOf(m.module());
        float scale = (float) adapter.config().scaleOf(m.module());
        boolean transposed = m.embedding() || adapter.config().fanInFanOut();
        if (!transposed) {
            // W[i, :] += sum_k (scale·B[i, k]) · A[k, :]
            for (int i = 0; i < rows; i++) {
                int row = i * cols;
                for (int k = 0; k < rank; k++) {
                    float f = b[i * rank + k] * scale;
                    int ak = k * cols;
                    for (int j = 0; j < cols; j++) {
                        values[row + j] += f * a[ak + j];
                    }
                }
            }
        } else {
            // W is (B·A)ᵀ-shaped: W[i, j] += scale · sum_k B[j, k] · A[k, i], i.e. row i of W takes column i of A.
            for (int i = 0; i < rows; i++) {
                int row = i * cols;
                for (int k = 0; k < rank; k++) {
                    float f = a[k * rows + i] * scale;
                    for (int j = 0; j < cols; j++) {
                        values[row + j] += f * b[j * rank + k];
                    }
                }
            }
        }
        for (float v : values) {
            if (!Float.isFinite(v)) {
                throw new CrucibleException(adapter.file() + ": applying it to " + name + " gives NaN or infinite "
                        + "values; the adapter seems to be broken");
            }
        }
        return Tensor.ofFloats(name, DType.F32, shape, values);
    }
}
