package dev.crucible.merge.methods;

import dev.crucible.error.CrucibleException;
import dev.crucible.merge.ChunkWriter;
import dev.crucible.merge.ChunkedValues;
import dev.crucible.merge.MergeInput;
import dev.crucible.merge.MergeMethod;
import dev.crucible.merge.MergeParameters;
import dev.crucible.merge.MergeRandom;
import dev.crucible.merge.MethodDefinition;
import dev.crucible.merge.ParameterDefinition;
import dev.crucible.merge.Shapes;
import dev.crucible.merge.StreamingMerge;
import dev.crucible.merge.TensorValues;
import dev.crucible.merge.kernels.Chunks;
import dev.crucible.merge.kernels.KeepMask;
import dev.crucible.merge.kernels.MagnitudeThreshold;
import dev.crucible.merge.kernels.RankSelection;
import dev.crucible.merge.kernels.Scratch;
import dev.crucible.merge.sparsify.Sparsification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
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
    public static List<MergeMethod> all() {
        return TaskArithmeticVariant.ALL.stream().<MergeMethod>map(TaskArithmeticFamily::new).toList();
    }

    @Override
    public MethodDefinition definition() {
        return definition;
    }

    /** Whether the method elects signs (ties, dare_ties, breadcrumbs_ties, della). */
    public boolean usesConsensus() {
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

    /** Sign consensus or sum, normalisation and lambda as this variant and the parameters say. */
    private void combine(ChunkedValues base, List<TaskVectorContribution> contributions, MergeParameters p,
                         ChunkWriter out) {
        TaskVectorSum.combine(base, contributions, variant.electsSigns(), normalize.flag(p),
                (float) TaskArithmeticVariant.LAMBDA.number(p), out);
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
        combine(baseTensor, contributions(in.tensorName(), in.seed(), baseTensor, models, indices, in.params()),
                in.params(), ChunkWriter.into(out));
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
    private List<TaskVectorContribution> contributions(String tensorName, long seed, ChunkedValues base,
                                             List<ChunkedValues> models, List<Integer> indices, MergeParameters p) {
        Sparsification sparsification = variant.sparsification();
        boolean rescaled = rescale.flag(p);
        List<TaskVectorContribution> contributions = new ArrayList<>();
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
            contributions.add(new TaskVectorContribution(x, mask, threshold, (float) ParameterDefinition.WEIGHT.number(p, i), scale));
        }
        return contributions;
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
