package dev.crucible.merge;

import dev.crucible.error.CrucibleException;

import java.util.Set;

/**
 * Copies the one source of an output tensor, multiplied by its optional {@code scale}. This is how
 * slices stack, repeat or cut layers (frankenmerges). The source is the single model, or the base when
 * no model is given.
 */
public final class PassthroughMerge implements MergeMethod {

    @Override
    public String name() {
        return "passthrough";
    }

    @Override
    public boolean requiresBase() {
        return false;
    }

    @Override
    public Set<String> modelParameters() {
        return Set.of("scale");
    }

    @Override
    public Set<String> globalParameters() {
        return Set.of();
    }

    @Override
    public void validate(MergeParameters p) {
        if (p.modelCount() > 1) {
            throw new CrucibleException("passthrough: each output tensor takes exactly one source, got "
                    + p.modelCount() + "; use slices with one source each");
        }
        if (p.modelCount() == 1) {
            double scale = p.model(0, "scale", 1.0);
            if (!Double.isFinite(scale)) {
                throw new CrucibleException("passthrough: scale must be a finite number for model " + p.modelName(0)
                        + " (got " + scale + ")");
            }
        }
    }

    @Override
    public float[] merge(MergeInput in) {
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
        if (!in.models().isEmpty() && in.params().hasModel(0, "scale")) {
            float scale = (float) in.params().model(0, "scale", 1.0);
            for (int j = 0; j < out.length; j++) {
                out[j] *= scale;
            }
        }
        return out;
    }
}
