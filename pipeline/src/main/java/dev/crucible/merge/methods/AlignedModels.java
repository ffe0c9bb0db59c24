package dev.crucible.merge.methods;

import dev.crucible.merge.MergeInput;
import dev.crucible.merge.Shapes;
import dev.crucible.merge.TensorValues;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The models of a multi-model method laid out in the output shape, with the indices (into
 * {@link MergeInput#models()}, hence into the parameters) of those that could be; models whose tensor
 * neither matches nor (for vocab matrices) covers the output shape are skipped with a warning.
 */
record AlignedModels(List<float[]> values, int[] indices) {

    private static final Logger LOG = LoggerFactory.getLogger(AlignedModels.class);

    static AlignedModels of(String method, MergeInput<TensorValues> in) {
        long[] shape = in.outputShape();
        boolean cut = Shapes.isEmbedding(in.tensorName());
        List<float[]> values = new ArrayList<>();
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < in.models().size(); i++) {
            TensorValues m = in.models().get(i);
            float[] v = Shapes.alignTo(m, shape, cut);
            if (v == null) {
                LOG.warn("{}: skipping {} of {}: shape {} does not cover the output shape {}", method, in.tensorName(),
                        m.modelName(), Shapes.text(m.shape()), Shapes.text(shape));
                continue;
            }
            values.add(v);
            kept.add(i);
        }
        return new AlignedModels(List.copyOf(values), kept.stream().mapToInt(Integer::intValue).toArray());
    }

    int size() {
        return values.size();
    }

    float[] get(int k) {
        return values.get(k);
    }
}
