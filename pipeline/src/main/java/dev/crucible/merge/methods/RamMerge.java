package dev.crucible.merge.methods;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.ChunkWriter;
import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.MethodDefinition;
import dev.crucible.merge.ParameterDefinition;
import dev.crucible.merge.StreamingMerge;
import dev.crucible.merge.TensorValues;
import dev.crucible.merge.kernels.Chunks;
import dev.crucible.merge.kernels.Scratch;

import java.util.List;

/**
 * Reinforced Agent Merging ({@code ram}) and its tensor-local variant ({@code ramplus_tl}), after mergekit's
 * {@code mergekit/merge_methods/ram.py} (arXiv 2601.13572). Task vectors {@code d_i = x_i - b}; an element counts
 * for model {@code i} when {@code |d_i| > epsilon}; {@code c} = how many models it counts for. {@code ram} adds to the
 * base the mean of the counting task-vector elements: {@code b + sum_i [|d_i| > eps] d_i / max(c, 1)}.
 * {@code ramplus_tl} scales an element only one model counts for by that model's
 * {@code lambda_i = 1 + r clamp(shared_i / max(unique_i, eps), 0, alpha)}, where {@code shared_i} and
 * {@code unique_i} count the tensor's elements model {@code i} shares with others and has alone; shared elements are
 * averaged as in {@code ram}. Parameters (global, mergekit's defaults): {@code epsilon} 1e-5; {@code r} 0.1 and
 * {@code alpha} 0.2 for ramplus_tl. Vocab matrices are cut to the base's rows; other shape mismatches skip the
 * model (mergekit fails on them).
 *
 * <p>Element arithmetic is float32 in mergekit's order; ramplus_tl reads its inputs twice (counts, then output), so
 * both stream from the mapped inputs.
 */
public final class RamMerge implements MergeMethod, StreamingMerge {

    private static final ParameterDefinition EPSILON = ParameterDefinition.global("epsilon", 1e-5);
    private static final ParameterDefinition R = ParameterDefinition.global("r", 0.1);
    private static final ParameterDefinition ALPHA = ParameterDefinition.global("alpha", 0.2);

    /** mergekit's {@code ram}: the base and the models, epsilon. */
    public static final MethodDefinition RAM = MethodDefinition.withBase("ram", EPSILON);
    /** mergekit's {@code ramplus_tl}: epsilon, r and alpha. */
    public static final MethodDefinition RAMPLUS_TL = MethodDefinition.withBase("ramplus_tl", EPSILON, R, ALPHA);

    private final boolean plus;

    private RamMerge(boolean plus) {
        this.plus = plus;
    }

    @Override
    public MethodDefinition definition() {
        return plus ? RAMPLUS_TL : RAM;
    }

    /** {@code ram} and {@code ramplus_tl}. */
    public static List<MergeMethod> all() {
        return List.of(new RamMerge(false), new RamMerge(true));
    }

    @Override
    public void validate(MergeParameters p) {
        double eps = EPSILON.number(p);
        if (!(eps >= 0) || !Double.isFinite(eps)) {
            throw new CrucibleException(name() + ": epsilon must be a number >= 0 (got " + eps + ")");
        }
        if (plus) {
            for (ParameterDefinition knob : List.of(R, ALPHA)) {
                double v = knob.number(p);
                if (knob.isSet(p) && !Double.isFinite(v)) {
                    throw new CrucibleException(name() + ": " + knob.name() + " must be a finite number (got " + v + ")");
                }
            }
        }
    }

    @Override
    public float[] merge(MergeInput<TensorValues> in) {
        if (in.base() == null) {
            throw new CrucibleException(name() + ": needs a base_model (tensor " + in.tensorName() + ")");
        }
        long[] shape = in.outputShape();
        float[] b = PairInputs.align(name(), in, in.base(), shape);
        AlignedModels models = AlignedModels.of(name(), in);
        float[] out = new float[b.length];
        run(ChunkedValues.of("base", shape, b),
                models.values().stream().map(v -> ChunkedValues.of("model", shape, v)).toList(), in.params(),
                ChunkWriter.into(out));
        return out;
    }

    @Override
    public boolean canStream(MergeInput<ChunkedValues> in) {
        return in.base() != null && in.shapesMatchOutput();
    }

    @Override
    public void merge(MergeInput<ChunkedValues> in, ChunkWriter out) {
        run(in.base(), in.models(), in.params(), out);
    }

    private void run(ChunkedValues base, List<ChunkedValues> models, MergeParameters params, ChunkWriter out) {
        int k = models.size();
        int n = base.length();
        // torch compares the float32 task vectors with epsilon cast to float32.
        float eps = (float) EPSILON.number(params);
        float[] lambda = new float[k];
        if (plus && k > 0) {
            long[][] counts = new long[Chunks.count(n)][];
            Chunks.run(n, (c, from, to) -> counts[c] = countShared(base, models, from, to - from, eps));
            long[] shared = new long[k];
            long[] unique = new long[k];
            for (long[] part : counts) {
                for (int i = 0; i < k; i++) {
                    shared[i] += part[i];
                    unique[i] += part[k + i];
                }
            }
            double r = R.number(params);
            double alpha = ALPHA.number(params);

            for (int i = 0; i < k; i++) {
                // rho = shared / unique.clamp(min=epsilon); lambda = 1 + r * rho.clamp(0, alpha), in float32.
                float rho = (float) shared[i] / Math.max((float) unique[i], eps);
                float clamped = Math.min(Math.max(rho, 0f), (float) alpha);
                lambda[i] = 1f + (float) r * clamped;
            }
        }
        Chunks.run(n, (c, from, to) -> {
            int len = to - from;
            float[] o = Scratch.buffer(0);
            float[] b = Scratch.buffer(1);
            float[][] x = new float[k][];
            base.read(from, b, len);
            for (int i = 0; i < k; i++) {
                x[i] = Scratch.buffer(2 + i);
                models.get(i).read(from, x[i], len);
            }
            for (int e = 0; e < len; e++) {
                int count = 0;
                for (int i = 0; i < k; i++) {
                    if (Math.abs(x[i][e] - b[e]) > eps) {
                        count++;
                    }
                }
                float sum = 0f;
                for (int i = 0; i < k; i++) {
                    float d = x[i][e] - b[e];
                    float dz = Math.abs(d) > eps ? d : 0f;
                    // (tv_z * unique * lambda) + (tv_z * overlap / max(count, 1)), summed over the models in order.
                    float term = count == 1 ? dz * (plus ? lambda[i] : 1f) : 0f;
                    term += count > 1 ? dz / count : 0f;
                    sum += term;
                }
                o[e] = b[e] + sum;
            }
            out.write(from, o, len);
        });
    }

    /** Per model, how many elements of {@code [from, from + len)} it shares (first k) and has alone (last k). */
    private static long[] countShared(ChunkedValues base, List<ChunkedValues> models, int from, int len, float eps) {
        int k = models.size();
        float[] b = Scratch.buffer(1);
        float[][] x = new float[k][];
        base.read(from, b, len);
        for (int i = 0; i < k; i++) {
            x[i] = Scratch.buffer(2 + i);
            models.get(i).read(from, x[i], len);
        }
        long[] out = new long[2 * k];
        boolean[] nz = new boolean[k];
        for (int e = 0; e < len; e++) {
            int count = 0;
            for (int i = 0; i < k; i++) {
                nz[i] = Math.abs(x[i][e] - b[e]) > eps;
                count += nz[i] ? 1 : 0;
            }
            for (int i = 0; i < k; i++) {
                if (nz[i]) {
                    out[count > 1 ? i : k + i]++;
                }
            }
        }
        return out;
    }
}
