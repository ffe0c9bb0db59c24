package dev.crucible.merge;

import java.nio.charset.StandardCharsets;

/**
 * The random numbers behind DARE and DELLA, chosen so the same seed gives the same bits whatever the
 * thread count or chunking. Scheme: a 64-bit stream key is derived from (seed, tensor name, model index)
 * by SplitMix64 finalisation of each part in turn; element {@code j} of that stream is the SplitMix64
 * output for counter {@code j + 1}, i.e. {@code mix64(key + (j + 1) * 0x9E3779B97F4A7C15)}, and its top 53
 * bits form a uniform double in [0, 1). Because each element's number is a pure function of its index
 * (a counter-based generator, the limit of a fixed chunk size of one), any split of the index range into
 * chunks processed in any order draws identical numbers.
 */
public final class MergeRandom {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private MergeRandom() {
    }

    /** The key of the stream that model {@code modelIndex} uses for tensor {@code tensorName}. */
    public static long streamKey(long seed, String tensorName, int modelIndex) {
        long h = mix64(seed ^ 0x6A09E667F3BCC908L);
        h = mix64(h ^ fnv1a(tensorName));
        return mix64(h + (modelIndex + 1L) * GOLDEN_GAMMA);
    }

    /** The uniform double in [0, 1) at position {@code index} of stream {@code key}. */
    public static double uniform(long key, long index) {
        return (mix64(key + (index + 1) * GOLDEN_GAMMA) >>> 11) * 0x1.0p-53;
    }

    private static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
