package dev.crucible.merge;

/** Receives a merged tensor a range at a time, from many threads at once for disjoint ranges. */
@FunctionalInterface
public interface ChunkWriter {

    /** Takes output values {@code [from, from + count)} from {@code values[0, count)}, before returning. */
    void write(int from, float[] values, int count);

    /** A writer filling {@code out}. */
    static ChunkWriter into(float[] out) {
        return (from, values, count) -> System.arraycopy(values, 0, out, from, count);
    }
}
