package dev.crucible.merge.methods;

import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeMethods;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.TensorValues;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds small merge inputs for tests. */
final class Inputs {

    private Inputs() {
    }

    static TensorValues vec(String model, float... values) {
        return new TensorValues(model, new long[] {values.length}, values);
    }

    static TensorValues mat(String model, int rows, int cols, float... values) {
        return new TensorValues(model, new long[] {rows, cols}, values);
    }

    static MergeInput<TensorValues> input(String tensor, TensorValues base, List<TensorValues> models, Map<String, Object> global,
                            List<Map<String, Object>> perModel, long seed) {
        long[] shape = base != null ? base.shape() : models.get(0).shape();
        List<String> names = new ArrayList<>();
        for (TensorValues m : models) {
            names.add(m.modelName());
        }
        return new MergeInput<>(tensor, shape, base, models, new MergeParameters(global, perModel, names), seed);
    }

    static MergeInput<TensorValues> input(TensorValues base, List<TensorValues> models, Map<String, Object> global,
                            List<Map<String, Object>> perModel) {
        return input("model.layers.0.mlp.up_proj.weight", base, models, global, perModel, 42L);
    }

    static float[] merge(String method, MergeInput<TensorValues> in) {
        MergeMethod m = MergeMethods.byName(method).orElseThrow();
        m.validate(in.params());
        return m.merge(in);
    }

    static Map<String, Object> w(double weight) {
        return Map.of("weight", weight);
    }

    static Map<String, Object> wd(double weight, double density) {
        return Map.of("weight", weight, "density", density);
    }
}
