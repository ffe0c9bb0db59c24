package dev.crucible.merge.kernels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/** Which elements of a task vector survive sparsification: one bit per element. */
public final class KeepMask {

    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] words;
    private final int length;

    /** A mask of {@code length} elements, none kept. */
    public KeepMask(int length) {
        this.length = length;
        this.words = new long[(length + 63) >>> 6];
    }

    /** A mask of {@code length} elements, all kept. */
    public static KeepMask all(int length) {
        KeepMask m = new KeepMask(length);
        Arrays.fill(m.words, -1L);
        int tail = length & 63;
        if (tail != 0) {
            m.words[m.words.length - 1] = (1L << tail) - 1;
        }
        return m;
    }

    /** Number of elements the mask covers. */
    public int length() {
        return length;
    }

    /** Whether element {@code j} is kept. */
    public boolean get(int j) {
        return (words[j >>> 6] & (1L << j)) != 0;
    }

    /** Keeps element {@code j}; only safe when no other thread writes the same 64-element word. */
    public void set(int j) {
        words[j >>> 6] |= 1L << j;
    }

    /** Keeps the elements of word {@code index} (elements {@code 64 index ...}) whose bits are set in {@code bits}. */
    void orWord(int index, long bits) {
        words[index] |= bits;
    }

    /** The 64 keep bits of elements {@code [64 index, 64 index + 64)}. */
    public long word(int index) {
        return words[index];
    }

    /** Keeps element {@code j}; safe under concurrent writers. */
    public void setAtomic(int j) {
        WORDS.getAndBitwiseOr(words, j >>> 6, 1L << j);
    }

    /** Number of kept elements. */
    public int count() {
        int c = 0;
        for (long w : words) {
            c += Long.bitCount(w);
        }
        return c;
    }
}
