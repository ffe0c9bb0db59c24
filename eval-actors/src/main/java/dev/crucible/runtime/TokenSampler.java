package dev.crucible.runtime;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: argmax when temperature is 0, otherwise a draw from the
 * temperature-scaled softmax restricted to the top k tokens and the top-p nucleus, with a
 * per-request seeded generator so a request's output does not depend on its batch neighbours.
 */
public final class TokenSampler {

    private final double temperature;
    private final double topP;
    private final int topK;
    private final SplittableRandom random;

    /** A sampler for one request's settings. */
    public TokenSampler(double temperature, double topP, int topK, long seed) {
        this.temperature = temperature;
        this.topP = topP;
        this.topK = topK;
        this.random = new SplittableRandom(seed);
    }

    /** A sampler for a generation request. */
    public static TokenSampler of(GenerationRequest r) {
        return new TokenSampler(r.temperature(), r.topP(), r.topK(), r.seed());
    }

    /** The next token from logits[offset, offset + vocab). */
    public int next(float[] logits, int offset, int vocab) {
        if (temperature == 0) {
            return argmax(logits, offset, vocab);
        }
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[offset + b], logits[offset + a]));
        int keep = topK > 0 ? Math.min(topK, vocab) : vocab;
        double max = logits[offset + order[0]] / temperature;
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp(logits[offset + order[i]] / temperature - max);
            sum += p[i];
        }
        if (topP < 1) {
            double mass = 0;
            int cut = keep;
            for (int i = 0; i < keep; i++) {
                mass += p[i] / sum;
                if (mass >= topP) {
                    cut = i + 1;
                    break;
                }
            }
            keep = cut;
            sum = 0;
            for (int i = 0; i < keep; i++) {
                sum += p[i];
            }
        }
        double u = random.nextDouble() * sum;
        for (int i = 0; i < keep; i++) {
            u -= p[i];
            if (u < 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    /** Index of the largest value in logits[offset, offset + vocab), the first on ties. */
    public static int argmax(float[] logits, int offset, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) {
            if (logits[offset + i] > logits[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
