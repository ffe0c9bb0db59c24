package dev.crucible.moe;

/**
 * One layer's calibration tokens: router inputs [count, hidden] row-major, each with the expert it
 * belongs to ({@code expert[i] >= 0}) or, for a negative prompt's token, the expert it must not go to
 * ({@code expert[i] = -1 - e}), and a weight (each expert's positive tokens, and its negative tokens,
 * weigh 1 in all, so long prompts or many prompts do not tilt the router).
 *
 * @param states router inputs, row-major
 * @param hidden row length
 * @param expert target per row, see above
 * @param weight per row
 */
public record RouterSamples(float[] states, int hidden, int[] expert, double[] weight) {

    /** Number of rows. */
    public int count() {
        return expert.length;
    }
}
