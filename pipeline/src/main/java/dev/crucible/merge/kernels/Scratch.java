package dev.crucible.merge.kernels;

import java.util.Arrays;

/**
 * Per-thread chunk buffers of {@link Chunks#SIZE} floats, reused across chunks and tensors so that
 * streaming passes allocate (and zero) nothing per chunk. Slot 0 holds scores or output; values read
 * from inputs use slots from 1 up, so a pass never hands one buffer out twice.
 */
public final class Scratch {

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[4][]);

    private Scratch() {
    }

    /** This thread's buffer {@code slot}. */
    public static float[] buffer(int slot) {
        float[][] b = BUFFERS.get();
        if (slot >= b.length) {
            b = Arrays.copyOf(b, Math.max(slot + 1, 2 * b.length));
            BUFFERS.set(b);
        }
        float[] f = b[slot];
        if (f == null) {
            f = new float[Chunks.SIZE];
            b[slot] = f;
        }
        return f;
    }
}
