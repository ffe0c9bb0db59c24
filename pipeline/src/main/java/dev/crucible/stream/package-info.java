/**
 * The streaming merge: a Pekko Streams graph (plan, load, merge, write) with a byte budget on what is in flight,
 * its sinks (safetensors files or memory), progress, the model card, and {@code crucible merge}.
 *
 * <p>Uses every other pipeline package.
 */
package dev.crucible.stream;
