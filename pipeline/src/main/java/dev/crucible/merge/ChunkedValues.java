package dev.crucible.merge;

/**
 * One model's float32 values for one tensor, read a range at a time (from a memory-mapped file they are
 * decoded on demand), so a merge that streams never holds a whole tensor as floats.
 */
public interface ChunkedValues {

    /** The model the values come from, for messages. */
    String modelName();

    /** The shape the values were stored in. */
    long[] shape();

    /** Number of values. */
    int length();

    /** Copies values {@code [from, from + count)} into {@code dst[0, count)}; safe to call from many threads. */
    void read(int from, float[] dst, int count);

    /** Values already held in an array (shared, not copied); {@code values} has {@code shape}'s element count. */
    static ChunkedValues of(String modelName, long[] shape, float[] values) {
        return new TensorValues(modelName, shape, values);
    }
}
