package dev.crucible.merge;

import dev.crucible.error.CrucibleException;

import java.util.Set;

/**
 * Nearswap: takes the other model's value where it is close to the base and keeps the base where they
 * differ: {@code w = clamp(t / max(|a - b|, 1e-6), 0, 1)}, {@code out = w b + (1 - w) a} with {@code a} the
 * base and {@code b} the other model.
 */
public final class NearSwapMerge implements MergeMethod {

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
        float t = (float) in.params().global("t", Double.NaN);
        float[] a = pair.base();
        float[] b = pair.other();
        float[] out = new float[a.length];
        Chunks.run(a.length, (c, from, to) -> {
            for (int j = from; j < to; j++) {
                float w = t / Math.max(Math.abs(a[j] - b[j]), 1e-6f);
                if (Float.isNaN(w)) {
                    w = 0.5f;
                }
                w = Math.min(1f, Math.max(0f, w));
                out[j] = w * b[j] + (1 - w) * a[j];
            }
        });
        return out;
    }
}
