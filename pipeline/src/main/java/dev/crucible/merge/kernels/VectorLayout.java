package dev.crucible.merge.kernels;

/**
 * How a tensor splits into the vectors a per-vector method works on: {@code count} vectors of {@code length}
 * elements, element {@code t} of vector {@code g} at {@code start(g) + t * stride}.
 */
public record VectorLayout(int count, int length, int stride, boolean contiguous) {

    /** The whole tensor as one vector. */
    public static VectorLayout flat(int n) {
        return new VectorLayout(n == 0 ? 0 : 1, n, 1, true);
    }

    /** One vector per index of the leading axes, running along the last axis (a matrix's rows). */
    public static VectorLayout lastAxis(long[] shape, int n) {
        if (shape.length <= 1) {
            return flat(n);
        }
        int len = Math.toIntExact(shape[shape.length - 1]);
        return new VectorLayout(len == 0 ? 0 : n / len, len, 1, true);
    }

    /** One vector per index of the trailing axes, running along the first axis (a matrix's columns). */
    public static VectorLayout firstAxis(long[] shape, int n) {
        if (shape.length <= 1) {
            return flat(n);
        }
        int len = Math.toIntExact(shape[0]);
        int stride = len == 0 ? 0 : n / len;
        return new VectorLayout(stride, len, stride, false);
    }

    /** Index of element {@code t} of vector {@code g}. */
    public int index(int g, int t) {
        return contiguous ? g * length + t : g + t * stride;
    }
}
