/**
 * The safetensors format: a strict memory-mapped reader, sharded checkpoints and their index, a streaming writer
 * that syncs in the background, and {@link dev.crucible.safetensors.OutputFolder}, the staging folder every command
 * writes into before renaming it into place.
 *
 * <p>Uses {@code tensor} and {@code error}.
 */
package dev.crucible.safetensors;
