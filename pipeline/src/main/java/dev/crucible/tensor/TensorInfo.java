package dev.crucible.tensor;

import java.util.Arrays;

/** A tensor's name, element type and shape: everything known from a header, before reading data. */
public record TensorInfo(String name, DType dtype, long[] shape) {

    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (1 for a scalar). */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes the data occupies on disk. */
    public long byteSize() {
        return Math.multiplyExact(elementCount(), (long) dtype.byteSize());
    }

    /** A copy under another name or type, same shape. */
    public TensorInfo with(String newName, DType newType) {
        return new TensorInfo(newName, newType, shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype.safetensorsName() + Arrays.toString(shape);
    }
}
