package dev.crucible.merge.kernels;

import dev.crucible.tensor.FloatCodec;
import dev.crucible.tensor.VectorWarmup;

import java.util.function.BooleanSupplier;

/** Whether the streamed TIES loops may use {@link TiesVectors}: the vector module is there and they run compiled. */
public final class TiesKernels {

    // Only touched when the module is there, so TiesVectors (and the incubator classes) load only then.
    private static final BooleanSupplier READY =
            FloatCodec.SIMD ? VectorWarmup.start("ties", TiesVectors::exercise) : () -> false;

    private TiesKernels() {
    }

    public static boolean vectors() {
        return READY.getAsBoolean();
    }
}
