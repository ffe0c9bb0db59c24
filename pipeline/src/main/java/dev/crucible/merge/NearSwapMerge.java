package dev.crucible.merge;

import dev.crucible.error.CrucibleException;

import java.util.Set;

/**
 * Nearswap: takes the other model's value where it is close to the base and keeps the base where they
 * differ: {@code w = clamp(t / max(|a - b|, 1e-6), 0, 1)}, {@code out = w b + (1 - w) a} with {@code a} the
 * base and {@code b} the other model.
 */
public final class NearSwapMerge implements MergeMethod, StreamingMerge {

    @Override
    public String name() {
        return "nearswap";
    }

    @Override
    public boolean requiresBase() {
        return true;
    }

    @Override
    public Set<String> modelParameters() {
        return Set.of();
    }

    @Override
    public Set<String> globalParameters() {
        return Set.of("t");
    }

    @Override
    public void validate(MergeParameters p) {
        PairInputs.requireOneModel("nearswap", p);
        double t = p.requireGlobal("nearswap", "t");
        if (!(t > 0) || !Double.isFinite(t)) {
            throw new CrucibleException("nearswap: t must be a positive number (got " + t + ")");
        }
    }

    @Override
    public float[] merge(MergeInput in) {
        PairInputs pair = PairInputs.of("nearswap", in);
        float[] out = new float[pair.base().length];
        swap(ChunkedValues.of("base", pair.shape(), pair.base()), ChunkedValues.of("other", pair.shape(), pair.other()),
                (float) in.params().global("t", Double.NaN), ChunkWriter.into(out));
        return out;
    }

    /** Streams when the base and the one model both have the output's shape. */
    @Override
    public boolean canStream(StreamingInput in) {
        return in.base() != null && in.models().size() == 1 && in.shapesMatchOutput();
    }

    @Override
    public void merge(StreamingInput in, ChunkWriter out) {
        swap(in.base(), in.models().getFirst(), (float) in.params().global("t", Double.NaN), out);
    }

    private static void swap(ChunkedValues base, ChunkedValues other, float t, ChunkWriter out) {
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
