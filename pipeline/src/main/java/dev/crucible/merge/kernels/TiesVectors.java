package dev.crucible.merge.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.SplittableRandom;

/**
 * The per-element loops of the streamed TIES trim with the Vector API. Their scalar forms in
 * {@link MagnitudeThreshold} and {@link dev.crucible.merge.methods.TaskArithmeticFamily} work on the raw bits of floats, which stops the
 * JIT from vectorising them; these give the same bits several lanes at a time. Each handles whole vectors and
 * returns where it stopped; the caller's scalar loop finishes the tail. Loaded only when the
 * {@code jdk.incubator.vector} module is present (see {@link TiesKernels}).
 */
public final class TiesVectors {

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final int LANES = FLOATS.length();
    private static final int MAGNITUDE = 0x7FFFFFFF;
    private static final int INFINITY_BITS = 0x7F800000;

    private static final int EXERCISE_ELEMENTS = 256;
    private static final float[] EXERCISE_X = new float[EXERCISE_ELEMENTS];
    private static final float[] EXERCISE_B = new float[EXERCISE_ELEMENTS];
    private static final float[] EXERCISE_O = new float[EXERCISE_ELEMENTS];
    private static final int[] EXERCISE_SCORES = new int[EXERCISE_ELEMENTS];
    private static final long[] EXERCISE_COUNTS = new long[5];
    private static final int[] EXERCISE_BAND = new int[EXERCISE_ELEMENTS];
    private static final float[][] EXERCISE_PAIR = {EXERCISE_X, EXERCISE_B};
    private static final float[] EXERCISE_WEIGHTS = {1f, 0.5f};

    static {
        // Values like real deltas, so that every path of the kernels runs while they are compiled: a path the
        // warm-up never took would be compiled as a trap, and the first real tensor would fall back to slow code.
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < EXERCISE_ELEMENTS; i++) {
            EXERCISE_X[i] = (float) random.nextGaussian();
            EXERCISE_B[i] = i % 7 == 0 ? EXERCISE_X[i] : (float) random.nextGaussian();
        }
    }

    private TiesVectors() {
    }

    /** One call of each kernel on a small input, for the warm-up; returns the elements processed. */
    public static int exercise() {
        EXERCISE_COUNTS[4] = 0;
        scoreAndCount(EXERCISE_X, EXERCISE_B, EXERCISE_ELEMENTS, EXERCISE_SCORES, Float.floatToRawIntBits(0.5f),
                Float.floatToRawIntBits(1f), 0, EXERCISE_COUNTS, EXERCISE_BAND);
        System.arraycopy(EXERCISE_X, 0, EXERCISE_O, 0, EXERCISE_ELEMENTS);
        trimmedDelta(EXERCISE_O, EXERCISE_B, 0, EXERCISE_ELEMENTS, Float.floatToRawIntBits(0.7f), 0.5f);
        consensusOfOne(EXERCISE_O, EXERCISE_B, EXERCISE_O, EXERCISE_ELEMENTS, 0.5f, 1f);
        consensus(EXERCISE_PAIR, 2, EXERCISE_WEIGHTS, EXERCISE_B, EXERCISE_O, EXERCISE_ELEMENTS, true, 1f);
        return 4 * EXERCISE_ELEMENTS;
    }

    /**
     * {@code scores[i] = bits(|x[i] - b[i]|)} for whole vectors of {@code [0, len)}, adding to {@code counts} how
     * many are above {@code hi}, equal to {@code heavy}, within {@code [lo, hi]}, (as a flag, 1 or 0) whether any
     * is NaN, and how many band scores other than {@code heavy} it appended, in index order, to {@code band}.
     * Returns the index it stopped at.
     */
    public static int scoreAndCount(float[] x, float[] b, int len, int[] scores, int lo, int hi, int heavy, long[] counts,
                             int[] band) {
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector up = IntVector.zero(INTS);
        IntVector equal = IntVector.zero(INTS);
        IntVector inBand = IntVector.zero(INTS);
        VectorMask<Integer> nan = INTS.maskAll(false);
        int next = (int) counts[4];
        int i = 0;
        for (int bound = len - LANES + 1; i < bound; i += LANES) {
            IntVector s = FloatVector.fromArray(FLOATS, x, i).sub(FloatVector.fromArray(FLOATS, b, i))
                    .reinterpretAsInts().and(MAGNITUDE);
            s.intoArray(scores, i);
            VectorMask<Integer> isHeavy = s.compare(VectorOperators.EQ, heavy);
            VectorMask<Integer> within = s.compare(VectorOperators.GE, lo).and(s.compare(VectorOperators.LE, hi));
            up = up.add(one, s.compare(VectorOperators.GT, hi));
            equal = equal.add(one, isHeavy);
            inBand = inBand.add(one, within);
            nan = nan.or(s.compare(VectorOperators.GT, INFINITY_BITS));
            // Band scores are a few percent: most vectors have none, the rest are picked lane by lane.
            for (long lanes = within.andNot(isHeavy).toLong(); lanes != 0; lanes &= lanes - 1) {
                band[next++] = scores[i + Long.numberOfTrailingZeros(lanes)];
            }
        }
        counts[4] = next;
        counts[0] += up.reduceLanes(VectorOperators.ADD);
        counts[1] += equal.reduceLanes(VectorOperators.ADD);
        counts[2] += inBand.reduceLanes(VectorOperators.ADD);
        counts[3] |= nan.anyTrue() ? 1 : 0;
        return i;
    }

    /**
     * {@code d[t] = (|d[t] - b[t]| > bound ? d[t] - b[t] : +0) * w} for whole vectors of {@code [from, to)};
     * returns the index it stopped at.
     */
    public static int trimmedDelta(float[] d, float[] b, int from, int to, int bound, float w) {
        IntVector zero = IntVector.zero(INTS);
        int t = from;
        for (int end = to - LANES + 1; t < end; t += LANES) {
            IntVector delta = FloatVector.fromArray(FLOATS, d, t).sub(FloatVector.fromArray(FLOATS, b, t))
                    .reinterpretAsInts();
            VectorMask<Integer> kept = delta.and(MAGNITUDE).compare(VectorOperators.GT, bound);
            zero.blend(delta, kept).reinterpretAsFloats().mul(w).intoArray(d, t);
        }
        return t;
    }

    /**
     * {@code o[t] = b[t] + (agrees ? wd[t] / divisor : +0) * lambda}, a delta agreeing unless it is ±0 or NaN, for
     * whole vectors of {@code [0, len)}; returns the index it stopped at.
     */
    public static int consensusOfOne(float[] wd, float[] b, float[] o, int len, float divisor, float lambda) {
        FloatVector zero = FloatVector.zero(FLOATS);
        int t = 0;
        for (int end = len - LANES + 1; t < end; t += LANES) {
            FloatVector v = FloatVector.fromArray(FLOATS, wd, t);
            VectorMask<Float> agrees = v.compare(VectorOperators.NE, 0f).andNot(v.test(VectorOperators.IS_NAN));
            FloatVector mixed = zero.blend(v.div(divisor), agrees);
            FloatVector.fromArray(FLOATS, b, t).add(mixed.mul(lambda)).intoArray(o, t);
        }
        return t;
    }

    /**
     * Sign consensus of {@code k} weighted deltas for whole vectors of {@code [0, len)}: the elected sign is that of
     * {@code sum_i wd[i][t]} (0 counts as +), the deltas of that sign are summed and, when {@code normalize}, divided
     * by their weights' sum (1 when none), and {@code o[t] = b[t] + mixed * lambda}. Additions run in model order,
     * as in the scalar loop. Returns the index it stopped at.
     */
    public static int consensus(float[][] wd, int k, float[] w, float[] b, float[] o, int len, boolean normalize,
                         float lambda) {
        FloatVector zero = FloatVector.zero(FLOATS);
        int t = 0;
        for (int end = len - LANES + 1; t < end; t += LANES) {
            FloatVector sum = zero;
            for (int i = 0; i < k; i++) {
                sum = sum.add(FloatVector.fromArray(FLOATS, wd[i], t));
            }
            VectorMask<Float> positive = sum.compare(VectorOperators.GE, 0f);
            FloatVector mixed = zero;
            FloatVector divisor = zero;
            for (int i = 0; i < k; i++) {
                FloatVector v = FloatVector.fromArray(FLOATS, wd[i], t);
                VectorMask<Float> agrees = positive.and(v.compare(VectorOperators.GT, 0f))
                        .or(positive.not().and(v.compare(VectorOperators.LT, 0f)));
                mixed = mixed.add(v, agrees);
                divisor = divisor.add(w[i], agrees);
            }
            divisor = divisor.blend(1f, divisor.compare(VectorOperators.EQ, 0f));
            if (normalize) {
                mixed = mixed.div(divisor);
            }
            FloatVector.fromArray(FLOATS, b, t).add(mixed.mul(lambda)).intoArray(o, t);
        }
        return t;
    }
}
