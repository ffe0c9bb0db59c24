package dev.crucible.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.crucible.error.CrucibleException;
import dev.crucible.tensor.TensorInfo;
import dev.crucible.tensor.WeightSource;
import java.util.Arrays;

/**
 * Moves named float32 tensors from a {@link WeightSource} into NDArrays owned by one manager,
 * checking each shape against what the config implies so a mismatched checkpoint fails with a
 * message naming the tensor instead of a shape error deep in the forward pass.
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
        if (!source.contains(name)) {
            throw new CrucibleException(origin + ": tensor '" + name + "' is missing; the checkpoint does not match its config.json");
        }
        TensorInfo info = source.info(name);
        if (!Arrays.equals(info.shape(), shape)) {
            throw new CrucibleException(origin + ": tensor '" + name + "' has shape " + Arrays.toString(info.shape())
                    + ", config.json implies " + Arrays.toString(shape));
        }
        return source.readFloats(name);
    }

    /** Reads a tensor into an NDArray of the given shape. */
    public NDArray load(String name, long... shape) {
        return toNative(floats(name, shape), new Shape(shape));
    }

    /**
     * Copies values into torch-owned memory of the model's manager. DJL's create() wraps a direct
     * ByteBuffer that the array keeps alive, so weights would count against the JVM's direct-memory
     * limit (by default the heap size); a clone in a throwaway manager lets that buffer go.
     */
    public NDArray toNative(float[] values, Shape shape) {
        try (NDManager staging = manager.newSubManager()) {
            NDArray owned = staging.create(values, shape).duplicate();
            owned.attach(manager);
            return owned;
        }
    }

    /** Reads a tensor if present, else null. */
    public NDArray loadOptional(String name, long... shape) {
        return source.contains(name) ? load(name, shape) : null;
    }

    /** Reads several [rows_i, cols] matrices and stacks them into one [sum rows_i, cols] array. */
    public NDArray loadRows(String[] names, long[] rows, long cols) {
        long total = Arrays.stream(rows).sum();
        float[] all = new float[Math.toIntExact(total * cols)];
        int at = 0;
        for (int i = 0; i < names.length; i++) {
            float[] part = floats(names[i], rows[i], cols);
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return toNative(all, new Shape(total, cols));
    }

    /** Reads several 1-D tensors (or zeros where absent) and concatenates them; null when all are absent. */
    public NDArray loadConcatenatedOptional(String[] names, long[] lengths) {
        boolean any = Arrays.stream(names).anyMatch(source::contains);
        if (!any) {
            return null;
        }
        long total = Arrays.stream(lengths).sum();
        float[] all = new float[Math.toIntExact(total)];
        int at = 0;
        for (int i = 0; i < names.length; i++) {
            if (source.contains(names[i])) {
                float[] part = floats(names[i], lengths[i]);
                System.arraycopy(part, 0, all, at, part.length);
            }
            at += (int) lengths[i];
        }
        return toNative(all, new Shape(total));
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
