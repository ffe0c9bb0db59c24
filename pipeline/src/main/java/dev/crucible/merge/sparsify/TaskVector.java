package dev.crucible.merge.sparsify;

/**
 * The difference {@code tuned - base} of one model for one tensor, computed on demand in float32 so
 * that no delta array is materialised. Both arrays share the base's shape.
 */
public record TaskVector(float[] tuned, float[] base, long[] shape) {

    /** Element {@code j} of the delta. */
    public float at(int j) {
        return tuned[j] - base[j];
    }

    /** Number of elements. */
    public int length() {
        return base.length;
    }
}
