package dev.crucible.stream;

import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.TensorInfo;
import dev.crucible.tensor.WeightSource;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A merged model held in memory as float32 (values already rounded to each tensor's dtype), so an
 * evolved candidate can be evaluated without writing it to disk.
 */
public final class InMemoryWeights implements WeightSource {

    private final List<String> names;
    private final Map<String, TensorInfo> infos;
    private final Map<String, float[]> values;

    InMemoryWeights(List<String> names, Map<String, TensorInfo> infos, Map<String, float[]> values) {
        this.names = List.copyOf(names);
        this.infos = Map.copyOf(infos);
        this.values = Map.copyOf(values);
    }

    @Override
    public Collection<String> tensorNames() {
        return Collections.unmodifiableList(names);
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo info = infos.get(name);
        if (info == null) {
            throw new CrucibleException("merged model: no tensor named '" + name + "'");
        }
        return info;
    }

    @Override
    public float[] readFloats(String name) {
        info(name);
        return values.get(name).clone();
    }

    @Override
    public boolean contains(String name) {
        return infos.containsKey(name);
    }

    /** Bytes the model would occupy on disk in its dtypes. */
    public long byteSize() {
        return infos.values().stream().mapToLong(TensorInfo::byteSize).sum();
    }
}
