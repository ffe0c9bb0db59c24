package dev.crucible.merge.methods;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.ChunkWriter;
import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.MethodDefinition;
import dev.crucible.merge.ParameterDefinition;
import dev.crucible.merge.kernels.Chunks;
import dev.crucible.merge.kernels.Scratch;


/**
 * Nearswap: takes the other model's value where it is close to the base and keeps the base where they
 * differ: {@code w = clamp(t / max(|a - b|, 1e-6), 0, 1)}, {@code out = w b + (1 - w) a} with {@code a} the
 * base and {@code b} the other model.
 */
public final class NearSwapMerge implements StreamingPairMerge {

    private static final ParameterDefinition T = ParameterDefinition.global("t", null);

    /** mergekit's {@code nearswap}: the base and one model, global {@code t}. */
    public static final MethodDefinition DEFINITION = MethodDefinition.withBase("nearswap", T);

    @Override
    public MethodDefinition definition() {
        return DEFINITION;
    }

    @Override
    public void validate(MergeParameters p) {
        PairInputs.requireOneModel("nearswap", p);
        double t = T.require("nearswap", p);
        if (!(t > 0) || !Double.isFinite(t)) {
            throw new CrucibleException("nearswap: t must be a positive number (got " + t + ")");
        }
    }

    @Override
    public void merge(ChunkedValues base, ChunkedValues other, MergeParameters params, ChunkWriter out) {
        float t = (float) T.number(params);

        Chunks.run(base.length(), (c, from, to) -> {
            int len = to - from;
            float[] o = Scratch.buffer(0);
            float[] a = Scratch.buffer(1);
            float[] b = Scratch.buffer(2);
            base.read(from, a, len);
            other.read(from, b, len);
            for (int j = 0; j < len; j++) {
                float w = t / Math.max(Math.abs(a[j] - b[j]), 1e-6f);
                if (Float.isNaN(w)) {
                    w = 0.5f;
                }
                w = Math.min(1f, Math.max(0f, w));
                o[j] = w * b[j] + (1 - w) * a[j];
            }
            out.write(from, o, len);
        });
    }
}
