/**
 * Small files replaced whole: {@link dev.crucible.files.AtomicFile} writes state, journals and lists so that a
 * crash leaves either the old or the new content. Whole model folders are staged by
 * {@link dev.crucible.safetensors.OutputFolder} instead.
 *
 * <p>Uses the JDK only.
 */
package dev.crucible.files;
