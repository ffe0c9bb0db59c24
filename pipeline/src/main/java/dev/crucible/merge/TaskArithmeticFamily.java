package dev.crucible.merge;

import dev.crucible.error.CrucibleException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The generalised task-arithmetic methods (task_arithmetic, ties, dare_*, breadcrumbs*, della*): one
 * class configured per row of the method table. Per tensor: task vectors {@code d_i = x_i - b} (vocab
 * matrices cut to the base's {@code [:rows, :cols]}, other shape mismatches skip the model), optional
 * sparsification with optional L1 rescale, weighting, optional sign consensus on the weighted deltas
 * (sum, 0 counts as +), optional normalisation by the summed weights, {@code lambda}, and {@code b + mixed}.
 * All element arithmetic is float32 in the order mergekit uses, so results match it to the last bit or two.
 */
public final class TaskArithmeticFamily implements MergeMethod {

    private static final Logger LOG = LoggerFactory.getLogger(TaskArithmeticFamily.class);
    private static final double RESCALE_EPS = 1e-7;

    private final String name;
    private final boolean consensus;
    private final Sparsification sparsification;
    private final boolean defaultNormalize;
    private final boolean defaultRescale;

    /** A method with the given sign-consensus, sparsification and defaults. */
    public TaskArithmeticFamily(String name, boolean consensus, Sparsification sparsification,
                                boolean defaultNormalize, boolean defaultRescale) {
        this.name = name;
        this.consensus = consensus;
        this.sparsification = sparsification;
        this.defaultNormalize = defaultNormalize;
        this.defaultRescale = defaultRescale;
    }

    /** The eight methods of the family, configured as in mergekit. */
    static List<MergeMethod> all() {
        return List.of(
                new TaskArithmeticFamily("task_arithmetic", false, Sparsification.NONE, false, false),
                new TaskArithmeticFamily("ties", true, Sparsification.MAGNITUDE, true, false),
                new TaskArithmeticFamily("dare_ties", true, Sparsification.RANDOM, false, true),
                new TaskArithmeticFamily("dare_linear", false, Sparsification.RANDOM, false, true),
                new TaskArithmeticFamily("breadcrumbs", false, Sparsification.MAGNITUDE_OUTLIERS, false, false),
                new TaskArithmeticFamily("breadcrumbs_ties", true, Sparsification.MAGNITUDE_OUTLIERS, false, false),
                new TaskArithmeticFamily("della", true, Sparsification.DELLA_MAGPRUNE, true, true),
                new TaskArithmeticFamily("della_linear", false, Sparsification.DELLA_MAGPRUNE, false, true));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean requiresBase() {
        return true;
    }

    @Override
    public Set<String> modelParameters() {
        Set<String> s = new LinkedHashSet<>(List.of("weight", "density"));
        s.addAll(sparsification.extraParameters());
        return Set.copyOf(s);
    }

    @Override
    public Set<String> globalParameters() {
        return Set.of("normalize", "rescale", "lambda", "int8_mask");
    }

    @Override
    public void validate(MergeParameters p) {
        for (int i = 0; i < p.modelCount(); i++) {
            String model = p.modelName(i);
            double w = p.requireModel(name, i, "weight");
            if (!Double.isFinite(w)) {
                throw new CrucibleException(name + ": weight must be a finite number for model " + model + " (got " + w + ")");
            }
            double density = p.model(i, "density", 1.0);
            if (!(density >= 0 && density <= 1)) {
                throw new CrucibleException(name + ": density must be between 0 and 1 for model " + model
                        + " (got " + density + ")");
            }
            if (sparsification == Sparsification.MAGNITUDE_OUTLIERS) {
                double gamma = p.model(i, "gamma", Sparsification.DEFAULT_GAMMA);
                if (!(gamma >= 0 && gamma <= 1)) {
                    throw new CrucibleException(name + ": gamma must be between 0 and 1 for model " + model
                            + " (got " + gamma + ")");
                }
            }
            if (sparsification == Sparsification.DELLA_MAGPRUNE) {
                double eps = p.model(i, "epsilon", Sparsification.DEFAULT_EPSILON);
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
        double lambda = p.global("lambda", 1.0);
        if (!Double.isFinite(lambda)) {
            throw new CrucibleException(name + ": lambda must be a finite number (got " + lambda + ")");
        }
        p.flag("normalize", defaultNormalize);
        p.flag("rescale", defaultRescale);
        p.flag("int8_mask", false);
    }

    @Override
    public float[] merge(MergeInput in) {
        TensorValues baseTensor = in.base();
        if (baseTensor == null) {
            throw new CrucibleException(name + ": needs a base_model (tensor " + in.tensorName() + ")");
        }
        long[] shape = baseTensor.shape();
        if (Shapes.elementCount(shape) != in.outputLength()) {
            throw new CrucibleException(name + ": tensor " + in.tensorName() + " has base shape " + Shapes.text(shape)
                    + " but output shape " + Shapes.text(in.outputShape()) + " was requested");
        }
        MergeParameters p = in.params();
        float[] b = baseTensor.values();
        int n = b.length;
        boolean normalize = p.flag("normalize", defaultNormalize);
        boolean rescale = p.flag("rescale", defaultRescale);
        float lambda = (float) p.global("lambda", 1.0);

        List<float[]> xs = new ArrayList<>();
        List<KeepMask> masks = new ArrayList<>();
        List<Float> weights = new ArrayList<>();
        List<Float> scales = new ArrayList<>();
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
            TaskVector d = new TaskVector(x, b, shape);
            KeepMask mask = null;
            float scale = 1f;
            double density = p.model(i, "density", 1.0);
            if (sparsification != Sparsification.NONE && density < 1) {
                long key = MergeRandom.streamKey(in.seed(), in.tensorName(), i);
                mask = sparsification.forModel(p, i, key).select(d);
                if (rescale) {
                    scale = l1Ratio(d, mask);
                }
            }
            xs.add(x);
            masks.add(mask);
            weights.add((float) p.model(i, "weight", Double.NaN));
            scales.add(scale);
        }
        if (xs.isEmpty()) {
            return b.clone();
        }
        int k = xs.size();
        float[][] x = xs.toArray(new float[0][]);
        KeepMask[] mask = masks.toArray(new KeepMask[0]);
        float[] w = new float[k];
        float[] scale = new float[k];
        float weightSum = 0f;
        for (int i = 0; i < k; i++) {
            w[i] = weights.get(i);
            scale[i] = scales.get(i);
            weightSum += w[i];
        }
        float plainDivisor = Math.abs(weightSum) < 1e-8 ? 1f : weightSum;
        float[] out = new float[n];
        Chunks.run(n, (c, from, to) -> {
            float[] wd = new float[k];
            for (int j = from; j < to; j++) {
                float bj = b[j];
                float sum = 0f;
                for (int i = 0; i < k; i++) {
                    float dij = mask[i] == null || mask[i].get(j) ? (x[i][j] - bj) * scale[i] : 0f;
                    wd[i] = dij * w[i];
                    sum += wd[i];
                }
                float mixed;
                float divisor;
                if (consensus) {
                    boolean positive = sum >= 0f;
                    mixed = 0f;
                    divisor = 0f;
                    for (int i = 0; i < k; i++) {
                        if (positive ? wd[i] > 0f : wd[i] < 0f) {
                            mixed += wd[i];
                            divisor += w[i];
                        }
                    }
                    if (divisor == 0f) {
                        divisor = 1f;
                    }
                } else {
                    mixed = sum;
                    divisor = plainDivisor;
                }
                if (normalize) {
                    mixed /= divisor;
                }
                out[j] = bj + mixed * lambda;
            }
        });
        return out;
    }

    /** L1-norm matching factor {@code L1(d) / L1(kept)}, or 1 when either norm is below 1e-7. */
    static float l1Ratio(TaskVector d, KeepMask keep) {
        int n = d.length();
        double[] before = new double[Chunks.count(n)];
        double[] after = new double[before.length];
        Chunks.run(n, (c, from, to) -> {
            double all = 0;
            double kept = 0;
            for (int j = from; j < to; j++) {
                double v = Math.abs(d.at(j));
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
