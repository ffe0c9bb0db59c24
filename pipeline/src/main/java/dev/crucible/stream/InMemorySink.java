package dev.crucible.stream;

import dev.crucible.tensor.DType;
import dev.crucible.tensor.FloatCodec;
import dev.crucible.tensor.TensorInfo;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Collects a merge into an {@link InMemoryWeights}. Values are rounded to each tensor's dtype on the
 * way in, so the in-memory model computes exactly what the written one would.
 */
public final class InMemorySink implements TensorSink {

    private final List<TensorInfo> planned;
    private final Map<String, float[]> values = new ConcurrentHashMap<>();
    private volatile InMemoryWeights result;

    /** A sink expecting exactly the {@code planned} tensors (e.g. {@code plan.outputs()}). */
    public InMemorySink(List<TensorInfo> planned) {
        this.planned = List.copyOf(planned);
    }

    @Override
    public void accept(TensorInfo info, float[] tensor) {
        float[] stored = info.dtype() == DType.F32 ? tensor
                : FloatCodec.decode(MemorySegment.ofArray(FloatCodec.encode(tensor, info.dtype())), info.dtype(),
                tensor.length);
        put(info, stored);
    }

    @Override
    public void acceptRaw(TensorInfo info, MemorySegment bytes) {
        put(info, FloatCodec.decode(bytes, info.dtype(), info.elementCount()));
    }

    private void put(TensorInfo info, float[] tensor) {
        if (values.putIfAbsent(info.name(), tensor) != null) {
            throw new IllegalStateException("tensor '" + info.name() + "' arrived twice");
        }
    }

    @Override
    public void finish() {
        Map<String, TensorInfo> infos = new HashMap<>();
        for (TensorInfo info : planned) {
            if (!values.containsKey(info.name())) {
                throw new IllegalStateException("merge finished without tensor '" + info.name() + "'");
            }
            infos.put(info.name(), info);
        }
        result = new InMemoryWeights(planned.stream().map(TensorInfo::name).toList(), infos, values);
    }

    /** The merged model; available after {@link #finish()}. */
    public InMemoryWeights weights() {
        if (result == null) {
            throw new IllegalStateException("the merge has not finished");
        }
        return result;
    }
}
