package dev.crucible.merge.methods;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.MethodDefinition;
import dev.crucible.merge.ParameterDefinition;
import dev.crucible.merge.Shapes;
import dev.crucible.merge.TensorValues;


/**
 * Copies the one source of an output tensor, multiplied by its optional {@code scale}. This is how
 * slices stack, repeat or cut layers (frankenmerges). The source is the single model, or the base when
 * no model is given.
 */
public final class PassthroughMerge implements MergeMethod {

    private static final ParameterDefinition SCALE = ParameterDefinition.perModel("scale", 1.0);

    /** mergekit's {@code passthrough}: one source, its optional scale. */
    public static final MethodDefinition DEFINITION = MethodDefinition.baseOptional("passthrough", SCALE);

    @Override
    public MethodDefinition definition() {
        return DEFINITION;
    }

    @Override
    public void validate(MergeParameters p) {
        if (p.modelCount() > 1) {
            throw new CrucibleException("passthrough: each output tensor takes exactly one source, got "
                    + p.modelCount() + "; use slices with one source each");
        }
        if (p.modelCount() == 1) {
            double scale = SCALE.number(p, 0);
            if (!Double.isFinite(scale)) {
                throw new CrucibleException("passthrough: scale must be a finite number for model " + p.modelName(0)
                        + " (got " + scale + ")");
            }
        }
    }

    @Override
    public float[] merge(MergeInput<TensorValues> in) {
        int sources = in.models().size() + (in.base() == null ? 0 : 1);
        if (in.models().size() > 1 || sources == 0) {
            throw new CrucibleException("passthrough: tensor " + in.tensorName() + " needs exactly one source, got "
                    + sources);
        }
        TensorValues source = in.models().isEmpty() ? in.base() : in.models().get(0);
        if (!source.hasShape(in.outputShape())) {
            throw new CrucibleException("passthrough: tensor " + in.tensorName() + " of " + source.modelName()
                    + " has shape " + Shapes.text(source.shape()) + " but the output is " + Shapes.text(in.outputShape()));
        }
        float[] out = source.values().clone();
        if (!in.models().isEmpty() && SCALE.isSet(in.params(), 0)) {
            float scale = (float) SCALE.number(in.params(), 0);

            for (int j = 0; j < out.length; j++) {
                out[j] *= scale;
            }
        }
        return out;
    }
}
