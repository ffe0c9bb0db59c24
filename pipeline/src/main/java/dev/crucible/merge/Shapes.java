package dev.crucible.merge;

import java.util.Arrays;
import java.util.Locale;

/** Shape arithmetic shared by the merge methods: element counts and cutting embeddings to a smaller vocab. */
public final class Shapes {

    private Shapes() {
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * Whether a tensor name denotes a vocabulary-indexed matrix (input embeddings or the LM head), the
     * only tensors whose shape legitimately differs between models of one family.
     */
    public static boolean isEmbedding(String tensorName) {
        String n = tensorName.toLowerCase(Locale.ROOT);
        return n.contains("embed") || n.contains("lm_head") || n.endsWith("wte.weight");
    }

    /**
     * The values of {@code t} laid out in {@code target} shape: the array itself when the shapes match, the
     * leading {@code [:rows, :cols]} block when {@code cut} is allowed and {@code t} is a 2-D tensor at
     * least that large, otherwise null (the caller skips that model).
     */
    public static float[] alignTo(TensorValues t, long[] target, boolean cut) {
        long[] s = t.shape();
        if (Arrays.equals(s, target)) {
            return t.values();
        }
        if (!cut || s.length != 2 || target.length != 2 || s[0] < target[0] || s[1] < target[1]) {
            return null;
        }
        return crop(t.values(), s, target);
    }

    /** Copies the leading block of shape {@code to} out of a row-major 2-D array of shape {@code from}. */
    public static float[] crop(float[] src, long[] from, long[] to) {
        int rows = Math.toIntExact(to[0]);
        int cols = Math.toIntExact(to[1]);
        int srcCols = Math.toIntExact(from[1]);
        float[] out = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(src, r * srcCols, out, r * cols, cols);
        }
        return out;
    }

    public static String text(long[] shape) {
        return Arrays.toString(shape);
    }
}
