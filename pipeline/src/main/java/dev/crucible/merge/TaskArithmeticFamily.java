package dev.crucible.merge;

import dev.crucible.error.CrucibleException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The generalised task-arithmetic methods (task_arithmetic, ties, dare_*, breadcrumbs*, della*): one
 * class configured per row of the method table. Per tensor: task vectors {@code d_i = x_i - b} (vocab
 * matrices cut to the base's {@code [:rows, :cols]}, other shape mismatches skip the model), optional
 * sparsification with optional L1 rescale, weighting, optional sign consensus on the weighted deltas
 * (sum, 0 counts as +), optional normalisation by the summed weights, {@code lambda}, and {@code b + mixed}.
 * All element arithmetic is float32 in the order mergekit uses, so results match it to the last bit or two.
 */
public final class TaskArithmeticFamily implements MergeMethod, StreamingMerge {

    private static final Logger LOG = LoggerFactory.getLogger(TaskArithmeticFamily.class);
    private static final double RESCALE_EPS = 1e-7;

    private final TaskArithmeticVariant variant;
    private final MethodDefinition definition;
    private final ParameterDefinition normalize;
    private final ParameterDefinition rescale;

    /** The family member {@code variant} describes. */
    public TaskArithmeticFamily(TaskArithmeticVariant variant) {
        this.variant = variant;
        this.definition = variant.definition();
        this.normalize = variant.normalize();
        this.rescale = variant.rescale();
    }

    /** The eight methods of the family, configured as in mergekit. */
    static List<MergeMethod> all() {
        return TaskArithmeticVariant.ALL.stream().<MergeMethod>map(TaskArithmeticFamily::new).toList();
    }

    @Override
    public MethodDefinition definition() {
        return definition;
    }

    /** Whether the method elects signs (ties, dare_ties, breadcrumbs_ties, della). */
    boolean usesConsensus() {
        return variant.electsSigns();
    }

    @Override
    public void validate(MergeParameters p) {
        String name = name();
        Sparsification sparsification = variant.sparsification();
        for (int i = 0; i < p.modelCount(); i++) {
            String model = p.modelName(i);
            double w = ParameterDefinition.WEIGHT.require(name, p, i);
            if (!Double.isFinite(w)) {
                throw new CrucibleException(name + ": weight must be a finite number for model " + model + " (got " + w + ")");
            }
            double density = Sparsification.DENSITY.number(p, i);
            if (!(density >= 0 && density <= 1)) {
                throw new CrucibleException(name + ": density must be between 0 and 1 for model " + model
                        + " (got " + density + ")");
            }
            if (sparsification == Sparsification.MAGNITUDE_OUTLIERS) {
                double gamma = Sparsification.GAMMA.number(p, i);
                if (!(gamma >= 0 && gamma <= 1)) {
                    throw new CrucibleException(name + ": gamma must be between 0 and 1 for model " + model
                            + " (got " + gamma + ")");
                }
            }
            if (sparsification == Sparsification.DELLA_MAGPRUNE) {
                double eps = Sparsification.EPSILON.number(p, i);
                if (!(eps >= 0)) {
                    throw new CrucibleException(name + ": epsilon must be >= 0 for model " + model + " (got " + eps + ")");
                }
                // mergekit only checks when it prunes, i.e. density < 1.
                if (density < 1 && !(density - eps > 0)) {
                    throw new CrucibleException(name + ": density - epsilon must be > 0 for model " + model
                            + " (density " + density + ", epsilon " + eps + "); raise density or lower epsilon");
                }
                if (density < 1 && !(density + eps < 1)) {
                    throw new CrucibleException(name + ": density + epsilon must be < 1 for model " + model
                            + " (density " + density + ", epsilon " + eps + "); lower density or epsilon");
                }
            }
        }
        double lambda = TaskArithmeticVariant.LAMBDA.number(p);
        if (!Double.isFinite(lambda)) {
            throw new CrucibleException(name + ": lambda must be a finite number (got " + lambda + ")");
        }
        normalize.flag(p);
        rescale.flag(p);
        TaskArithmeticVariant.INT8_MASK.flag(p);
    }

    /**
     * Vocab matrices are cut to the base's {@code [:rows, :cols]} and models of another shape skipped; the rest is
     * the streamed merge over the aligned arrays.
     */
    @Override
    public float[] merge(MergeInput<TensorValues> in) {
        String name = name();
        TensorValues baseTensor = in.base();
        if (baseTensor == null) {
            throw new CrucibleException(name + ": needs a base_model (tensor " + in.tensorName() + ")");
        }
        long[] shape = baseTensor.shape();
        if (Shapes.elementCount(shape) != in.outputLength()) {
            throw new CrucibleException(name + ": tensor " + in.tensorName() + " has base shape " + Shapes.text(shape)
                    + " but output shape " + Shapes.text(in.outputShape()) + " was requested");
        }
        List<ChunkedValues> models = new ArrayList<>();
        List<Integer> indices = new ArrayList<>();
        boolean cut = Shapes.isEmbedding(in.tensorName());
        for (int i = 0; i < in.models().size(); i++) {
            TensorValues m = in.models().get(i);
            float[] x = Shapes.alignTo(m, shape, cut);
            if (x == null) {
                LOG.warn("{}: skipping {} of {}: shape {} does not match the base's {}", name, in.tensorName(),
                        m.modelName(), Shapes.text(m.shape()), Shapes.text(shape));
                continue;
            }
            if (x != m.values()) {
                LOG.warn("{}: using the leading {} block of {} from {}", name, Shapes.text(shape), in.tensorName(),
                        m.modelName());
            }
            models.add(ChunkedValues.of(m.modelName(), shape, x));
            indices.add(i);
        }
        float[] out = new float[baseTensor.values().length];
        ChunkedValues base = baseTensor;
        combine(base, contributions(in.tensorName(), in.seed(), base, models, indices, in.params()), in.params(),
                ChunkWriter.into(out));
        return out;
    }

    /** Streams when nothing needs cutting or skipping. */
    @Override
    public boolean canStream(MergeInput<ChunkedValues> in) {
        return in.base() != null && in.shapesMatchOutput();
    }

    @Override
    public void merge(MergeInput<ChunkedValues> in, ChunkWriter out) {
        List<Integer> indices = IntStream.range(0, in.models().size()).boxed().toList();
        combine(in.base(), contributions(in.tensorName(), in.seed(), in.base(), in.models(), indices, in.params()),
                in.params(), out);
    }

    /**
     * Each model's part: which elements its task vector keeps and its weight and rescale factor. {@code indices}
     * gives each model's position among the recipe's models (its parameters and its random stream).
     */
    private List<Contribution> contributions(String tensorName, long seed, ChunkedValues base,
                                             List<ChunkedValues> models, List<Integer> indices, MergeParameters p) {
        Sparsification sparsification = variant.sparsification();
        boolean rescaled = rescale.flag(p);
        List<Contribution> contributions = new ArrayList<>();
        for (int j = 0; j < models.size(); j++) {
            ChunkedValues x = models.get(j);
            int i = indices.get(j);
            KeepMask mask = null;
            MagnitudeThreshold threshold = null;
            float scale = 1f;
            double density = Sparsification.DENSITY.number(p, i);
            if (sparsification != Sparsification.NONE && density < 1) {
                // Without rescale a TIES trim is decided inline by combine from a threshold found in one pass;
                // the exact mask (three more passes) only when that fails, or to measure the kept L1 norm.
                if (sparsification == Sparsification.MAGNITUDE && !rescaled) {
                    threshold = MagnitudeThreshold.find(x, base, density).orElse(null);
                    if (threshold == null) {
                        LOG.debug("{}: trim of {} in {} falls back to exact selection", name(), x.modelName(),
                                tensorName);
                    }
                }
                if (threshold == null) {
                    long key = MergeRandom.streamKey(seed, tensorName, i);
                    mask = sparsification.forModel(p, i, key).select(x, base);
                    if (rescaled) {
                        scale = l1Ratio(x, base, mask);
                    }
                }
            }
            contributions.add(new Contribution(x, mask, threshold, (float) ParameterDefinition.WEIGHT.number(p, i), scale));
        }
        return contributions;
    }

    /**
     * One model's part in the merge: its values, the elements it keeps (as a mask or a threshold; both null:
     * all), weight and rescale factor.
     */
    private record Contribution(ChunkedValues x, KeepMask mask, MagnitudeThreshold threshold, float weight,
                                float scale) {
    }

    /** Consensus, weighting, normalisation and lambda, element by element a chunk at a time. */
    private void combine(ChunkedValues base, List<Contribution> contributions, MergeParameters p, ChunkWriter out) {
        int n = base.length();
        if (contributions.isEmpty()) {
            Chunks.run(n, (c, from, to) -> {
                float[] o = Scratch.buffer(0);
                base.read(from, o, to - from);
                out.write(from, o, to - from);
            });
            return;
        }
        boolean normalize = this.normalize.flag(p);
        float lambda = (float) TaskArithmeticVariant.LAMBDA.number(p);
        int k = contributions.size();
        KeepMask[] mask = new KeepMask[k];
        MagnitudeThreshold[] threshold = new MagnitudeThreshold[k];
        float[] w = new float[k];
        float[] scale = new float[k];
        float weightSum = 0f;
        for (int i = 0; i < k; i++) {
            Contribution ci = contributions.get(i);
            mask[i] = ci.mask();
            threshold[i] = ci.threshold();
            w[i] = ci.weight();
            scale[i] = ci.scale();
            weightSum += w[i];
        }
        float plainDivisor = Math.abs(weightSum) < 1e-8 ? 1f : weightSum;
        Chunks.run(n, (c, from, to) -> {
            int len = to - from;
            float[] b = Scratch.buffer(1);
            base.read(from, b, len);
            // Each model's buffer becomes its weighted, trimmed delta, so the loops below see plain arrays.
            float[][] wd = new float[k][];
            for (int i = 0; i < k; i++) {
                float[] d = Scratch.buffer(2 + i);
                contributions.get(i).x().read(from, d, len);
                if (threshold[i] != null) {
                    trimmedDelta(d, b, len, threshold[i], from, w[i]);
                } else {
                    weightedDelta(d, b, len, mask[i], from, scale[i], w[i]);
                }
                wd[i] = d;
            }
            float[] o = Scratch.buffer(0);
            if (variant.electsSigns() && k == 1) {
                consensusOfOne(wd[0], b, o, len, w[0], normalize, lambda);
            } else if (variant.electsSigns()) {
                int t0 = TiesKernels.vectors() ? TiesVectors.consensus(wd, k, w, b, o, len, normalize, lambda) : 0;
                for (int t = t0; t < len; t++) {
                    float sum = 0f;
                    for (int i = 0; i < k; i++) {
                        sum += wd[i][t];
                    }
                    boolean positive = sum >= 0f;
                    float mixed = 0f;
                    float divisor = 0f;
                    for (int i = 0; i < k; i++) {
                        float v = wd[i][t];
                        if (positive ? v > 0f : v < 0f) {
                            mixed += v;
                            divisor += w[i];
                        }
                    }
                    if (divisor == 0f) {
                        divisor = 1f;
                    }
                    if (normalize) {
                        mixed /= divisor;
                    }
                    o[t] = b[t] + mixed * lambda;
                }
            } else {
                // Model by model over the chunk (the same additions per element as a sum over models), so that
                // the JIT vectorises both loops.
                float[] sum = Scratch.buffer(2 + k);
                Arrays.fill(sum, 0, len, 0f);
                for (int i = 0; i < k; i++) {
                    float[] d = wd[i];
                    for (int t = 0; t < len; t++) {
                        sum[t] += d[t];
                    }
                }
                for (int t = 0; t < len; t++) {
                    o[t] = b[t] + (normalize ? sum[t] / plainDivisor : sum[t]) * lambda;
                }
            }
            out.write(from, o, len);
        });
    }

    /** {@code d[t] = (kept ? (d[t] - b[t]) * scale : 0) * w}, element {@code t} being tensor element {@code from + t}. */
    private static void weightedDelta(float[] d, float[] b, int len, KeepMask mask, int from, float scale, float w) {
        if (mask == null) {
            for (int t = 0; t < len; t++) {
                d[t] = ((d[t] - b[t]) * scale) * w;
            }
            return;
        }
        // from is a multiple of 64 (chunks start on mask words), so t's bit is bit t & 63 of word t >>> 6.
        for (int t0 = 0; t0 < len; t0 += 64) {
            long bits = mask.word((from + t0) >>> 6);
            int end = Math.min(len, t0 + 64);
            for (int t = t0; t < end; t++) {
                d[t] = ((bits >>> t & 1L) != 0 ? (d[t] - b[t]) * scale : 0f) * w;
            }
        }
    }

    /**
     * {@code d[t] = (kept ? d[t] - b[t] : 0) * w}, the keep decision taken from the delta's own magnitude (the
     * same arithmetic as {@link #weightedDelta} with scale 1, so the result is bit-identical to the masked one).
     */
    private static void trimmedDelta(float[] d, float[] b, int len, MagnitudeThreshold keep, int from, float w) {
        // Scores and threshold are non-negative ints, so (threshold - score) >> 31 is all ones exactly when the
        // score is greater: a keep mask with no branch on the data. Up to the last kept tie a score equal to the
        // threshold is kept too, which comparing with threshold - 1 gives.
        int split = keep.tieSplit(from, len);
        trimmed(d, b, 0, split, keep.bits() - 1, w);
        trimmed(d, b, split, len, keep.bits(), w);
    }

    /** {@code d[t] = (|d[t] - b[t]| > bound ? d[t] - b[t] : +0) * w} over {@code [from, to)}. */
    private static void trimmed(float[] d, float[] b, int from, int to, int bound, float w) {
        int t = TiesKernels.vectors() ? TiesVectors.trimmedDelta(d, b, from, to, bound, w) : from;
        for (; t < to; t++) {
            int delta = Float.floatToRawIntBits(d[t] - b[t]);
            d[t] = Float.intBitsToFloat(delta & ((bound - (delta & 0x7FFFFFFF)) >> 31)) * w;
        }
    }

    /**
     * Sign consensus with one model, the common TIES case: the general loop reduces to keeping a weighted
     * delta that is non-zero (zero, or NaN, sums to a sign it does not share), divided by its weight.
     */
    private static void consensusOfOne(float[] wd, float[] b, float[] o, int len, float w, boolean normalize,
                                       float lambda) {
        // A delta agrees unless its magnitude bits are 0 or above +inf (NaN), an all-ones int mask with no branch
        // (the vector kernel does the bulk, this loop the tail). A disagreeing one masks to +0, as 0f / 1f gives;
        // dividing an agreeing one by 1 when not normalising is exact.
        float divisor = normalize ? w : 1f;
        int t0 = TiesKernels.vectors() ? TiesVectors.consensusOfOne(wd, b, o, len, divisor, lambda) : 0;
        for (int t = t0; t < len; t++) {
            float v = wd[t];
            int magnitude = Float.floatToRawIntBits(v) & 0x7FFFFFFF;
            int agrees = ~(((magnitude - 1) | (0x7F800000 - magnitude)) >> 31);
            float mixed = Float.intBitsToFloat(Float.floatToRawIntBits(v / divisor) & agrees);
            o[t] = b[t] + mixed * lambda;
        }
    }

    /** L1-norm matching factor {@code L1(d) / L1(kept)}, or 1 when either norm is below 1e-7. */
    private static float l1Ratio(ChunkedValues tuned, ChunkedValues base, KeepMask keep) {
        int n = base.length();
        RankSelection.Scores absDelta = RankSelection.Scores.absDelta(tuned, base);
        double[] before = new double[Chunks.count(n)];
        double[] after = new double[before.length];
        Chunks.run(n, (c, from, to) -> {
            float[] d = Scratch.buffer(0);
            absDelta.fill(from, to, d);
            double all = 0;
            double kept = 0;
            for (int j = from; j < to; j++) {
                double v = d[j - from];
                all += v;
                if (keep.get(j)) {
                    kept += v;
                }
            }
            before[c] = all;
            after[c] = kept;
        });
        double l1 = 0;
        double l1Kept = 0;
        for (int c = 0; c < before.length; c++) {
            l1 += before[c];
            l1Kept += after[c];
        }
        if (l1 < RESCALE_EPS || l1Kept < RESCALE_EPS) {
            return 1f;
        }
        return (float) (l1 / l1Kept);
    }
}
