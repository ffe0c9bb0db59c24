package dev.crucible.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.TensorInfo;
import dev.crucible.tensor.WeightSource;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Moves named float32 tensors from a {@link WeightSource} into NDArrays owned by one manager,
 * checking each shape against what the config implies so a mismatched checkpoint fails with a
 * message naming the tensor instead of a shape error deep in the forward pass. One loader loads one model, on
 * one thread.
 */
public final class WeightLoader {

    private final WeightSource source;
    private final NDManager manager;
    private final String origin;
    // Native-order direct memory that every tensor passes through on its way into torch, grown to the largest.
    private ByteBuffer staging;

    /** Loads from source into manager; origin names the model in messages. */
    public WeightLoader(WeightSource source, NDManager manager, String origin) {
        this.source = source;
        this.manager = manager;
        this.origin = origin;
    }

    /** Whether the checkpoint has the tensor. */
    public boolean has(String name) {
        return source.contains(name);
    }

    /** Reads a tensor as float32 after checking its shape. */
    public float[] floats(String name, long... shape) {
        check(name, shape);
        return source.readFloats(name);
    }

    /** Reads a tensor into an NDArray of the given shape. */
    public NDArray load(String name, long... shape) {
        check(name, shape);
        FloatBuffer values = staging(new Shape(shape).size());
        source.readFloatsInto(name, values);
        return fromStaging(new Shape(shape));
    }

    /** Copies values into torch-owned memory of the model's manager. */
    public NDArray toNative(float[] values, Shape shape) {
        staging(values.length).put(values);
        return fromStaging(shape);
    }

    /** Reads a tensor if present, else null. */
    public NDArray loadOptional(String name, long... shape) {
        return source.contains(name) ? load(name, shape) : null;
    }

    /** Reads several [rows_i, cols] matrices and stacks them into one [sum rows_i, cols] array. */
    public NDArray loadRows(String[] names, long[] rows, long cols) {
        long total = Arrays.stream(rows).sum();
        for (int i = 0; i < names.length; i++) {
            check(names[i], rows[i], cols);
        }
        FloatBuffer values = staging(total * cols);
        for (String name : names) {
            source.readFloatsInto(name, values);
        }
        return fromStaging(new Shape(total, cols));
    }

    /** Reads several 1-D tensors (or zeros where absent) and concatenates them; null when all are absent. */
    public NDArray loadConcatenatedOptional(String[] names, long[] lengths) {
        boolean any = Arrays.stream(names).anyMatch(source::contains);
        if (!any) {
            return null;
        }
        long total = Arrays.stream(lengths).sum();
        FloatBuffer values = staging(total);
        for (int i = 0; i < names.length; i++) {
            if (source.contains(names[i])) {
                check(names[i], lengths[i]);
                source.readFloatsInto(names[i], values);
            } else {
                values.put(new float[Math.toIntExact(lengths[i])]);
            }
        }
        return fromStaging(new Shape(total));
    }

    private void check(String name, long... shape) {
        if (!source.contains(name)) {
            throw new CrucibleException(origin + ": tensor '" + name + "' is missing; the checkpoint does not match its config.json");
        }
        TensorInfo info = source.info(name);
        if (!Arrays.equals(info.shape(), shape)) {
            throw new CrucibleException(origin + ": tensor '" + name + "' has shape " + Arrays.toString(info.shape())
                    + ", config.json implies " + Arrays.toString(shape));
        }
    }

    /**
     * The staging buffer, cleared to hold {@code floats} values. Every tensor passes through it into torch, which
     * reads it in place and clones it: DJL's create(float[]) would allocate a fresh direct buffer per tensor, and
     * whole-tensor float arrays on the heap, both freed only by a later collection, so a 1 B model's load held
     * gigabytes of dead copies (and waited on System.gc() at the direct-memory limit).
     */
    private FloatBuffer staging(long floats) {
        long bytes = floats * Float.BYTES;
        if (staging == null || staging.capacity() < bytes) {
            staging = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
        }
        staging.clear().limit((int) bytes);
        return staging.asFloatBuffer();
    }

    /** Clones the staged values, which must fill {@code shape}, into an array of the model's manager. */
    private NDArray fromStaging(Shape shape) {
        try (NDManager scratch = manager.newSubManager()) {
            NDArray owned = scratch.create(staging, shape, DataType.FLOAT32).duplicate();
            owned.attach(manager);
            return owned;
        }
    }

    /** The manager that owns everything loaded. */
    public NDManager manager() {
        return manager;
    }

    /** The model name used in messages. */
    public String origin() {
        return origin;
    }
}
