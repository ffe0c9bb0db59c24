package dev.crucible.merge;

import java.util.Arrays;

/** One model's float32 values for one tensor, held as an array, with the shape they were stored in. */
public record TensorValues(String modelName, long[] shape, float[] values) implements ChunkedValues {

    public TensorValues {
        shape = shape.clone();
        long n = Shapes.elementCount(shape);
        if (n != values.length) {
            throw new IllegalArgumentException(modelName + ": shape " + Arrays.toString(shape)
                    + " needs " + n + " values but " + values.length + " were given");
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public int length() {
        return values.length;
    }

    @Override
    public void read(int from, float[] dst, int count) {
        System.arraycopy(values, from, dst, 0, count);
    }

    /** Whether this tensor has exactly the given shape. */

    public boolean hasShape(long[] other) {
        return Arrays.equals(shape, other);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorValues t && modelName.equals(t.modelName)
                && Arrays.equals(shape, t.shape) && Arrays.equals(values, t.values);
    }

    @Override
    public int hashCode() {
        return modelName.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return modelName + Arrays.toString(shape);
    }
}
