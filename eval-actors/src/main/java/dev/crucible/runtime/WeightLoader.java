package dev.crucible.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.TensorInfo;
import dev.crucible.tensor.WeightSource;
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
        NDArray array = empty(new Shape(shape));
        source.readFloatsInto(name, floatsOf(array));
        return array;
    }

    /** Copies values into torch-owned memory of the model's manager. */
    public NDArray toNative(float[] values, Shape shape) {
        NDArray array = empty(shape);
        floatsOf(array).put(values);
        return array;
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
        NDArray array = empty(new Shape(total, cols));
        FloatBuffer values = floatsOf(array);
        for (String name : names) {
            source.readFloatsInto(name, values);
        }
        return array;
    }

    /** Reads several 1-D tensors (or zeros where absent) and concatenates them; null when all are absent. */
    public NDArray loadConcatenatedOptional(String[] names, long[] lengths) {
        boolean any = Arrays.stream(names).anyMatch(source::contains);
        if (!any) {
            return null;
        }
        for (int i = 0; i < names.length; i++) {
            if (source.contains(names[i])) {
                check(names[i], lengths[i]);
            }
        }
        long total = Arrays.stream(lengths).sum();
        NDArray array = empty(new Shape(total));
        FloatBuffer values = floatsOf(array);
        for (int i = 0; i < names.length; i++) {
            if (source.contains(names[i])) {
                source.readFloatsInto(names[i], values);
            } else {
                values.put(new float[Math.toIntExact(lengths[i])]);
            }
        }
        return array;
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
     * An uninitialised float32 array of the model's manager, to be filled through {@link #floatsOf}. Values are
     * decoded straight into torch's memory: going through a Java array, or a direct buffer that torch then
     * clones, held gigabytes of dead copies while a 1 B model loaded and spent most of the load in the clone.
     */
    private NDArray empty(Shape shape) {
        return manager.create(shape, DataType.FLOAT32);
    }

    /** A view of the array's own memory (CPU, contiguous, native order) as floats, positioned at the start. */
    private static FloatBuffer floatsOf(NDArray array) {
        return array.toByteBuffer(true).asFloatBuffer();
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
