package dev.crucible.merge.methods;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.ChunkWriter;
import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.MethodDefinition;
import dev.crucible.merge.ParameterDefinition;
import dev.crucible.merge.Shapes;
import dev.crucible.merge.StreamingMerge;
import dev.crucible.merge.TensorValues;
import dev.crucible.merge.kernels.Chunks;
import dev.crucible.merge.kernels.Scratch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;

/**
 * Weighted average {@code sum_i w_i x_i}, divided by {@code sum_i w_i} when {@code normalize} (default true).
 * Merges {@link MergeInput#models()} only; a base, when given, takes no part. When the models' shapes
 * differ (vocab matrices of different sizes), each output element combines the models that have it:
 * over the common sub-matrix this is mergekit's result; elements outside it, when the requested output
 * shape is larger, average (or sum) the models that cover them and are 0 if none does.
 */
public final class LinearMerge implements MergeMethod, StreamingMerge {

    private static final Logger LOG = LoggerFactory.getLogger(LinearMerge.class);

    private static final ParameterDefinition NORMALIZE = ParameterDefinition.flag("normalize", true);

    /** mergekit's {@code linear}: weight per model, normalize. */
    public static final MethodDefinition DEFINITION = MethodDefinition.baseOptional("linear",
            ParameterDefinition.WEIGHT, NORMALIZE);

    @Override
    public MethodDefinition definition() {
        return DEFINITION;
    }

    @Override
    public void validate(MergeParameters p) {
        WeightChecks.requireNormalisableWeights("linear", p, NORMALIZE);
    }

    @Override
    public float[] merge(MergeInput<TensorValues> in) {
        long[] outShape = in.outputShape();
        boolean uniform = true;
        for (TensorValues m : in.models()) {
            uniform &= m.hasShape(outShape);
        }
        float[] w = weights(in.params());
        boolean normalize = NORMALIZE.flag(in.params());
        float[] out = new float[in.outputLength()];
        if (uniform) {
            mergeChunks(List.<ChunkedValues>copyOf(in.models()), w, normalize, ChunkWriter.into(out));
            return out;
        }
        mergeMismatched(in, w, normalize, out);
        return out;
    }

    @Override
    public boolean canStream(MergeInput<ChunkedValues> in) {
        long[] outShape = in.outputShape();
        return in.models().stream().allMatch(m -> Arrays.equals(m.shape(), outShape));
    }

    @Override
    public void merge(MergeInput<ChunkedValues> in, ChunkWriter out) {
        mergeChunks(in.models(), weights(in.params()), NORMALIZE.flag(in.params()), out);
    }

    private static float[] weights(MergeParameters p) {
        float[] w = new float[p.modelCount()];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ParameterDefinition.WEIGHT.number(p, i);

        }
        return w;
    }

    /**
     * Models of the output's shape, a chunk at a time. Each element is {@code ((0 + w0 x0) + w1 x1 ...) / sum w}
     * in float32; running the sum over whole chunks, model by model, keeps that order and lets the JIT vectorise.
     */
    private static void mergeChunks(List<ChunkedValues> models, float[] w, boolean normalize, ChunkWriter out) {
        int k = models.size();
        int n = models.getFirst().length();
        float weightSum = 0f;
        for (int i = 0; i < k; i++) {
            weightSum += w[i];
        }
        float divisor = weightSum;
        Chunks.run(n, (c, from, to) -> {
            int len = to - from;
            float[] s = Scratch.buffer(0);
            float[] x = Scratch.buffer(1);
            Arrays.fill(s, 0, len, 0f);
            for (int i = 0; i < k; i++) {
                models.get(i).read(from, x, len);
                float wi = w[i];
                for (int j = 0; j < len; j++) {
                    s[j] += wi * x[j];
                }
            }
            if (normalize) {
                for (int j = 0; j < len; j++) {
                    s[j] = s[j] / divisor;
                }
            }
            out.write(from, s, len);
        });
    }

    /** Element-wise over the output grid, each element taking the models whose matrix reaches it. */
    private static void mergeMismatched(MergeInput<TensorValues> in, float[] w, boolean normalize, float[] out) {
        long[] outShape = in.outputShape();
        int[] out2 = asMatrix(outShape, in, "output");
        int k = in.models().size();
        int[][] dims = new int[k][];
        for (int i = 0; i < k; i++) {
            TensorValues m = in.models().get(i);
            if (m.shape().length != outShape.length) {
                throw new CrucibleException("linear: tensor " + in.tensorName() + " of " + m.modelName() + " has shape "
                        + Shapes.text(m.shape()) + " but the output is " + Shapes.text(outShape)
                        + "; only vocab sizes may differ between models");
            }
            dims[i] = asMatrix(m.shape(), in, m.modelName());
        }
        LOG.warn("linear: {} differs in shape between models; merging element-wise where they overlap", in.tensorName());
        int rows = out2[0];
        int cols = out2[1];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float s = 0f;
                float ws = 0f;
                for (int i = 0; i < k; i++) {
                    if (r < dims[i][0] && c < dims[i][1]) {
                        s += w[i] * in.models().get(i).values()[r * dims[i][1] + c];
                        ws += w[i];
                    }
                }
                out[r * cols + c] = normalize && ws != 0f ? s / ws : s;
            }
        }
    }

    private static int[] asMatrix(long[] shape, MergeInput<TensorValues> in, String who) {
        return switch (shape.length) {
            case 1 -> new int[] {1, Math.toIntExact(shape[0])};
            case 2 -> new int[] {Math.toIntExact(shape[0]), Math.toIntExact(shape[1])};
            default -> throw new CrucibleException("linear: tensor " + in.tensorName() + " of " + who + " has shape "
                    + Shapes.text(shape) + "; shapes may differ between models only for 1-D or 2-D tensors");
        };
    }
}
