/**
 * The vision side of LLaVA-style models: image preprocessing, the CLIP vision tower and the projector.
 *
 * <p>Uses DJL and {@code runtime}.
 */
package dev.crucible.runtime.vision;
