package dev.crucible.runtime.decoder;

import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;
import dev.crucible.tensor.WeightSource;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** A float32 {@link WeightSource} held in a map, for building small random models in tests. */
final class InMemoryWeights implements WeightSource {

    private final Map<String, float[]> values = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final SplittableRandom random;

    InMemoryWeights(long seed) {
        this.random = new SplittableRandom(seed);
    }

    InMemoryWeights put(String name, float[] data, long... shape) {
        values.put(name, data);
        shapes.put(name, shape);
        return this;
    }

    /** Random normal values scaled by std. */
    float[] random(long... shape) {
        return random(0.0, 0.2, shape);
    }

    float[] random(double mean, double std, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] out = new float[(int) n];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (mean + std * gaussian());
        }
        return out;
    }

    private double gaussian() {
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    InMemoryWeights putRandom(String name, long... shape) {
        return put(name, random(shape), shape);
    }

    float[] get(String name) {
        return values.get(name);
    }

    InMemoryWeights copy() {
        InMemoryWeights c = new InMemoryWeights(random.nextLong());
        values.forEach((k, v) -> c.put(k, v.clone(), shapes.get(k).clone()));
        return c;
    }

    void remove(String name) {
        values.remove(name);
        shapes.remove(name);
    }

    @Override
    public Collection<String> tensorNames() {
        return values.keySet();
    }

    @Override
    public TensorInfo info(String name) {
        if (!shapes.containsKey(name)) {
            throw new CrucibleException("no tensor " + name);
        }
        return new TensorInfo(name, DType.F32, shapes.get(name));
    }

    @Override
    public float[] readFloats(String name) {
        info(name);
        return values.get(name).clone();
    }
}
