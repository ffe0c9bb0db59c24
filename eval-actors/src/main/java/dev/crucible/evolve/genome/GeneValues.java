package dev.crucible.evolve.genome;

/** Rounding and clipping shared by the decoders: recipes carry 4 decimals, the merge then uses exactly those. */
final class GeneValues {

    private GeneValues() {
    }

    static double clip(double x, double lo, double hi) {
        return Math.max(lo, Math.min(hi, x));
    }

    static double round(double x) {
        double r = Math.round(x * 1e4) / 1e4;
        return r == 0 ? 0.0 : r;
    }

    static void requireDimension(double[] x, int n) {
        if (x.length != n) {
            throw new IllegalArgumentException("genome has " + n + " genes, got a point with " + x.length);
        }
    }
}
