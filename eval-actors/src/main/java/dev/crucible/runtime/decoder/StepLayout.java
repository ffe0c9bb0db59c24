package dev.crucible.runtime.decoder;

/**
 * Where one forward step's tokens sit in the cache.
 *
 * @param positions   rotary position of each new token [B][T] (0 for padding)
 * @param start       cache slot of the first new token
 * @param totalLength cache slots after the step
 */
record StepLayout(int[][] positions, int start, int totalLength) {
}
