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

    /** Values already held in an array. */
    static ChunkedValues of(String modelName, long[] shape, float[] values) {
        long[] s = shape.clone();
        return new ChunkedValues() {
            @Override
            public String modelName() {
                return modelName;
            }

            @Override
            public long[] shape() {
                return s.clone();
            }

            @Override
            public int length() {
                return values.length;
            }

            @Override
            public void read(int from, float[] dst, int count) {
                System.arraycopy(values, from, dst, 0, count);
            }
        };
    }

}
