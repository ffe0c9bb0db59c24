package dev.crucible.safetensors;

import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.TensorInfo;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A planned tensor written as float32 ranges, in any order and from many threads, each encoded to the
 * tensor's dtype and written at its final offset as it arrives. Obtained from {@link SafetensorsWriter#open}.
 */
public final class StreamedTensor {

    private final SafetensorsWriter writer;
    private final TensorInfo info;
    private final AtomicLong elementsWritten = new AtomicLong();

    StreamedTensor(SafetensorsWriter writer, TensorInfo info) {
        this.writer = writer;
        this.info = info;
    }

    /** Encodes {@code values[offset, offset + count)} as elements {@code [firstElement, firstElement + count)}. */
    public void write(long firstElement, float[] values, int offset, int count) {
        if (firstElement < 0 || count < 0 || firstElement + count > info.elementCount()) {
            throw new IllegalArgumentException("tensor '" + info.name() + "': elements [" + firstElement + ", "
                    + (firstElement + count) + ") outside its " + info.elementCount());
        }
        writer.writeRange(info, firstElement, values, offset, count);
        elementsWritten.addAndGet(count);
    }

    /** Marks the tensor written; fails when the ranges written do not add up to its element count. */
    public void complete() {
        if (elementsWritten.get() != info.elementCount()) {
            throw new CrucibleException("tensor '" + info.name() + "': " + elementsWritten.get()
                    + " elements written, planned " + info.elementCount());
        }
        writer.completed(info.name());
    }
}
