package dev.crucible.merge.methods;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.Shapes;
import dev.crucible.merge.TensorValues;

/**
 * The base and the single other model of a two-model method (slerp, nearswap, arcee_fusion), aligned
 * to the output shape (vocab matrices cut to it).
 */
record PairInputs(float[] base, float[] other, long[] shape) {

    static void requireOneModel(String method, MergeParameters p) {
        if (p.modelCount() != 1) {
            throw new CrucibleException(method + ": needs exactly one model besides the base_model, got " + p.modelCount());
        }
    }

    static PairInputs of(String method, MergeInput<TensorValues> in) {
        if (in.base() == null) {
            throw new CrucibleException(method + ": needs a base_model (tensor " + in.tensorName() + ")");
        }
        if (in.models().size() != 1) {
            throw new CrucibleException(method + ": needs exactly one model besides the base_model, got "
                    + in.models().size() + " for tensor " + in.tensorName());
        }
        long[] shape = in.outputShape();
        return new PairInputs(align(method, in, in.base(), shape), align(method, in, in.models().get(0), shape), shape);
    }

    static float[] align(String method, MergeInput<TensorValues> in, TensorValues t, long[] shape) {
        float[] v = Shapes.alignTo(t, shape, Shapes.isEmbedding(in.tensorName()));
        if (v == null) {
            throw new CrucibleException(method + ": tensor " + in.tensorName() + " of " + t.modelName() + " has shape "
                    + Shapes.text(t.shape()) + ", which does not cover the output shape " + Shapes.text(shape));
        }
        return v;
    }
}
