package dev.crucible.evolve.cmaes;

/**
 * xoshiro256** generator with explicit, exportable state (java.util.Random hides its state), plus
 * polar-method normals whose cached second value is part of that state, so a restored search
 * draws exactly the numbers the uninterrupted one would have drawn.
 */
final class Xoshiro256StarStar {

    private long s0;
    private long s1;
    private long s2;
    private long s3;
    private boolean hasSpare;
    private double spare;

    private Xoshiro256StarStar(long s0, long s1, long s2, long s3, boolean hasSpare, double spare) {
        if ((s0 | s1 | s2 | s3) == 0) {
            throw new IllegalArgumentException("xoshiro256** state must not be all zero");
        }
        this.s0 = s0;
        this.s1 = s1;
        this.s2 = s2;
        this.s3 = s3;
        this.hasSpare = hasSpare;
        this.spare = spare;
    }

    /** Expands a 64-bit seed with SplitMix64, as the xoshiro authors recommend. */
    static Xoshiro256StarStar seeded(long seed) {
        long[] x = {seed};
        return new Xoshiro256StarStar(splitMix64(x), splitMix64(x), splitMix64(x), splitMix64(x), false, 0.0);
    }

    static Xoshiro256StarStar restore(long[] state, boolean hasSpare, double spare) {
        if (state == null || state.length != 4) {
            throw new IllegalArgumentException("xoshiro256** state needs exactly 4 longs");
        }
        return new Xoshiro256StarStar(state[0], state[1], state[2], state[3], hasSpare, spare);
    }

    static long splitMix64(long[] x) {
        long z = (x[0] += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Standard normal by Marsaglia's polar method; the second value of each pair is cached. */
    double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spare;
        }
        double u;
        double v;
        double s;
        do {
            u = 2 * nextDouble() - 1;
            v = 2 * nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double scale = Math.sqrt(-2 * Math.log(s) / s);
        spare = v * scale;
        hasSpare = true;
        return u * scale;
    }

    long[] state() {
        return new long[] {s0, s1, s2, s3};
    }

    boolean hasSpare() {
        return hasSpare;
    }

    double spare() {
        return spare;
    }
}
